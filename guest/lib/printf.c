// SPDX-License-Identifier: MIT
/*
 * The guest's bounded formatter and console printf. It covers what guest code and the
 * tools print (lscss and lschp tables, diagnostics): integers in decimal and hex with
 * the l/ll/z length modifiers, characters, strings and pointers, with a field width,
 * zero padding and left alignment. Output is always NUL-terminated within the buffer,
 * and the return value is the length the complete output would have, as in C99.
 */
#include "guest/lib.h"

struct out {
	char *buf;
	size_t size;
	size_t len; /* characters produced so far, stored or not */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

/* Emit @s (@n characters) in a field of @width, honouring '-' and '0'. */
static void field(struct out *o, const char *s, int n, int width, bool left, bool zero,
		  bool negative)
{
	int len = n + (negative ? 1 : 0);

	if (left) {
		if (negative)
			put(o, '-');
		while (n--)
			put(o, *s++);
		pad(o, ' ', width - len);
		return;
	}
	if (zero) {
		if (negative)
			put(o, '-');
		pad(o, '0', width - len);
	} else {
		pad(o, ' ', width - len);
		if (negative)
			put(o, '-');
	}
	while (n--)
		put(o, *s++);
}

static int utoa(char *tmp, unsigned long long v, unsigned int base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char rev[24];
	int n = 0, i;

	do {
		rev[n++] = digits[v % base];
		v /= base;
	} while (v);
	for (i = 0; i < n; i++)
		tmp[i] = rev[n - 1 - i];
	return n;
}

int guest_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { .buf = buf, .size = size };
	char tmp[24];

	for (; *fmt; fmt++) {
		bool left = false, zero = false, is_signed = false, negative = false;
		unsigned long long uv = 0;
		const char *start = fmt;
		int width = 0, lng = 0, n;
		unsigned int base = 10;
		bool upper = false;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '0')
				zero = true;
			else
				break;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				left = true;
				width = -width;
			}
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		if (*fmt == 'l') {
			lng = 1;
			if (*++fmt == 'l') {
				lng = 2;
				fmt++;
			}
		} else if (*fmt == 'z') {
			lng = 3;
			fmt++;
		}

		switch (*fmt) {
		case 'd':
		case 'i':
			is_signed = true;
			break;
		case 'u':
			break;
		case 'X':
			upper = true;
			/* fall through */
		case 'x':
			base = 16;
			break;
		case 'p':
			uv = (uintptr_t)va_arg(ap, void *);
			n = utoa(tmp, uv, 16, false);
			pad(&o, ' ', left ? 0 : width - n - 2);
			put(&o, '0');
			put(&o, 'x');
			field(&o, tmp, n, left ? width - 2 : 0, left, false, false);
			continue;
		case 'c':
			tmp[0] = (char)va_arg(ap, int);
			field(&o, tmp, 1, width, left, false, false);
			continue;
		case 's': {
			const char *s = va_arg(ap, const char *);

			if (!s)
				s = "(null)";
			field(&o, s, (int)guest_strlen(s), width, left, false, false);
			continue;
		}
		case '%':
			put(&o, '%');
			continue;
		default:
			/* Not a conversion this formatter knows: copy it as written. */
			for (; start <= fmt && *start; start++)
				put(&o, *start);
			if (!*fmt)
				fmt--;
			continue;
		}

		if (is_signed) {
			long long sv;

			if (lng == 2)
				sv = va_arg(ap, long long);
			else if (lng == 1)
				sv = va_arg(ap, long);
			else if (lng == 3)
				sv = (long long)va_arg(ap, size_t);
			else
				sv = va_arg(ap, int);
			negative = sv < 0;
			uv = negative ? 0ull - (unsigned long long)sv : (unsigned long long)sv;
		} else {
			if (lng == 2)
				uv = va_arg(ap, unsigned long long);
			else if (lng == 1)
				uv = va_arg(ap, unsigned long);
			else if (lng == 3)
				uv = va_arg(ap, size_t);
			else
				uv = va_arg(ap, unsigned int);
		}
		n = utoa(tmp, uv, base, upper);
		field(&o, tmp, n, width, left, zero, negative);
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int guest_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = guest_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int guest_printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = guest_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return n;
	guest_arch_console_write(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	return n;
}
