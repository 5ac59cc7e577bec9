// SPDX-License-Identifier: MIT
/*
 * -kernel native:blkcheck, the guest side of the storage tests
 * (tests/integration/test-storage.py): for every virtio-blk disk one line of what the
 * device offers (virtio spec v1.2 section 5.2.3 features, 5.2.4 configuration), then on
 * the first disk a fixed script whose results are printed one line each:
 *   DISK <n> capacity=<sectors> blk_size=<bytes> phys=<bytes> ro=<0|1> discard=<0|1>
 *        write_zeroes=<0|1> flush=<0|1>
 *   WRITE <rc>     sectors 0-7, byte i of sector s = (s * 7 + i) & 0xff ^ 0xa5
 *   FLUSH <rc>
 *   READ <rc> <match|differ>
 *   ZEROWRITE <rc> a plain write of 8 zero sectors at sector 16 (detect-zeroes)
 *   DISCARD <rc>   sectors 32-39, when the device offers DISCARD
 *   WZUNMAP <rc>   WRITE_ZEROES with the unmap flag over sectors 48-55, when offered
 *   ROWRITE <rc>   read-only disk: a write sent anyway (the device must answer IOERR)
 * <rc> is 0, EIO (IOERR), UNSUPP or ERR<n>. Then "DONE"; status 0.
 */
#include "guest/arch.h"
#include "guest/cio.h"
#include "guest/drivers.h"
#include "guest/lib.h"

int guest_blkcheck_main(void);

static const char *rc_str(int rc, char *buf, size_t len)
{
	if (rc == 0)
		return "0";
	if (rc == -GUEST_EIO)
		return "EIO";
	if (rc == -GUEST_EOPNOTSUPP)
		return "UNSUPP";
	guest_snprintf(buf, len, "ERR%d", rc);
	return buf;
}

static uint8_t pattern(unsigned int sector, unsigned int i)
{
	return (uint8_t)(((sector * 7 + i) & 0xff) ^ 0xa5);
}

int guest_blkcheck_main(void)
{
	struct guest_blk *blk;
	uint8_t *buf, *in;
	unsigned int i, n;
	char tmp[16];
	int rc;

	if (guest_cio_init() < 0)
		return 1;
	guest_blk_register();
	for (n = 0; n < guest_blk_count(); n++) {
		blk = guest_blk_get(n);
		guest_printf("DISK %u capacity=%llu blk_size=%u phys=%u ro=%d discard=%d "
			     "write_zeroes=%d flush=%d\n", n, (unsigned long long)blk->capacity,
			     blk->blk_size, blk->phys_block_size, blk->ro, blk->has_discard,
			     blk->has_write_zeroes, blk->has_flush);
	}
	buf = guest_alloc(8 * 512, 4096);
	in = guest_alloc(8 * 512, 4096);
	if (!guest_blk_count() || !buf || !in) {
		guest_printf("DONE\n");
		return 0;
	}
	blk = guest_blk_get(0);
	for (i = 0; i < 8 * 512; i++)
		buf[i] = pattern(i / 512, i % 512);
	if (blk->ro) {
		/* Past the driver's own refusal: what does the device answer? */
		blk->ro = false;
		rc = guest_blk_write(blk, 0, buf, 1);
		blk->ro = true;
		guest_printf("ROWRITE %s\n", rc_str(rc, tmp, sizeof(tmp)));
		rc = guest_blk_read(blk, 0, in, 8);
		guest_printf("READ %s %s\n", rc_str(rc, tmp, sizeof(tmp)),
			     !rc && !guest_memcmp(buf, in, 8 * 512) ? "match" : "differ");
		guest_printf("DONE\n");
		return 0;
	}
	rc = guest_blk_write(blk, 0, buf, 8);
	guest_printf("WRITE %s\n", rc_str(rc, tmp, sizeof(tmp)));
	rc = guest_blk_flush(blk);
	guest_printf("FLUSH %s\n", rc_str(rc, tmp, sizeof(tmp)));
	guest_memset(in, 0, 8 * 512);
	rc = guest_blk_read(blk, 0, in, 8);
	guest_printf("READ %s %s\n", rc_str(rc, tmp, sizeof(tmp)),
		     !rc && !guest_memcmp(buf, in, 8 * 512) ? "match" : "differ");
	guest_memset(buf, 0, 8 * 512);
	rc = guest_blk_write(blk, 16, buf, 8);
	guest_printf("ZEROWRITE %s\n", rc_str(rc, tmp, sizeof(tmp)));
	if (blk->has_discard) {
		rc = guest_blk_discard(blk, 32, 8);
		guest_printf("DISCARD %s\n", rc_str(rc, tmp, sizeof(tmp)));
	}
	if (blk->has_write_zeroes) {
		rc = guest_blk_write_zeroes(blk, 48, 8, true);
		guest_printf("WZUNMAP %s\n", rc_str(rc, tmp, sizeof(tmp)));
	}
	rc = guest_blk_flush(blk);
	guest_printf("FLUSH %s\n", rc_str(rc, tmp, sizeof(tmp)));
	guest_printf("DONE\n");
	return 0;
}
