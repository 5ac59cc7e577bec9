// SPDX-License-Identifier: MIT
/*
 * Runs a libFuzzer target without libFuzzer, as a test: every file of the seed corpus
 * (argv[1], a directory) and then a fixed-seed stream of pseudo-random inputs. A crash,
 * a sanitizer report or a hang is the failure; the harness summary line is printed so
 * tests/run-tests can count it.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Seed corpus of the target, relative to the repository root (set by the target). */
extern const char fuzz_corpus_dir[];

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	/* xorshift64*: reproducible across runs and hosts. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

int main(int argc, char **argv)
{
	static uint8_t buf[1 << 16];
	unsigned int files = 0, randoms = argc > 2 ? (unsigned int)atoi(argv[2]) : 2000, i;
	const char *corpus = argc > 1 ? argv[1] : fuzz_corpus_dir;
	DIR *dir = opendir(corpus);

	if (!dir) {
		printf("FAIL fuzz_replay: cannot open the seed corpus %s\n", corpus);
		printf("0 passed, 1 failed, 0 skipped\n");
		return 1;
	}
	{
		struct dirent *de;

		while ((de = readdir(dir))) {
			char path[4096];
			FILE *f;
			size_t n;

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", corpus, de->d_name);
			f = fopen(path, "rb");
			if (!f)
				continue;
			n = fread(buf, 1, sizeof(buf), f);
			fclose(f);
			LLVMFuzzerTestOneInput(buf, n);
			files++;
		}
		closedir(dir);
	}
	for (i = 0; i < randoms; i++) {
		size_t n = (size_t)(next_rand() % 4096), k;

		for (k = 0; k < n; k++)
			buf[k] = (uint8_t)next_rand();
		LLVMFuzzerTestOneInput(buf, n);
	}
	printf("PASS fuzz_replay: %u corpus files, %u random inputs\n", files, randoms);
	printf("1 passed, 0 failed, 0 skipped\n");
	return 0;
}
