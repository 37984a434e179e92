// SPDX-License-Identifier: GPL-2.0
/*
 * kho-report: what a kexec handover (KHO) will pass on, or what arrived.
 *
 * Reads the KHO debugfs views (default /sys/kernel/debug/kho) and prints, for
 * each direction present (out/: what the next kernel will receive; in/: what
 * this kernel received), the handover FDT (format version, root of the
 * preserved-memory tree, named blobs and whether their memory is preserved),
 * the scratch areas, the preserved memory by order and by range, the tree's
 * own size, the work the next kernel will do to reserve it, and warnings an
 * operator should act on. --json prints the same for automation.
 *
 * --fdt FILE decodes a handover FDT saved to a file, for offline inspection;
 * --debugfs DIR also accepts a copy of the debugfs folder (cp -r).
 *
 * Exit status: 0 report printed; 1 usage error or a file that cannot be read;
 * 2 malformed input (FDT or debugfs file); 3 with --strict, warnings.
 *
 * The formats read here are described in Documentation/admin-guide/mm/kho.rst.
 */

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libfdt.h>

#define KR_EXIT_OK		0
#define KR_EXIT_USAGE		1
#define KR_EXIT_MALFORMED	2
#define KR_EXIT_WARNINGS	3

/* The handover format this tool knows (include/linux/kho/abi/kexec_handover.h). */
#define KHO_COMPAT_PREFIX	"kho-v"
#define KHO_COMPAT_KNOWN	4
#define KHO_PROP_MAP		"preserved-memory-map"
#define KHO_PROP_DATA		"preserved-data"
#define KHO_PROP_SIZE		"blob-size"

/* Larger files are not KHO debugfs files; refuse rather than eat memory. */
#define KR_FILE_MAX		(256u << 20)
/* Orders a 64-bit key can name with pages of 4 KiB or more. */
#define KR_ORDERS		64

/*
 * Thresholds of the fragmentation warning: this many separate runs of
 * preserved memory, each on average smaller than this, make the next
 * kernel's early boot measurably longer (one memblock reservation per run;
 * on a stock 7.3 successor, quadratic in their number).
 */
#define KR_FRAG_RUNS		1024
#define KR_FRAG_AVG_BYTES	(1024ull * 1024)

struct kr_subtree {
	char *name;
	bool has_data, has_size;
	uint64_t data;		/* preserved-data */
	uint64_t size;		/* blob-size */
	int preserved;		/* 1 covered, 0 not, -1 unknown (no ranges) */
	int order;		/* order of the block holding the blob start */
	bool file;		/* the blob file exists under sub_fdts/ */
	size_t file_size;
	char *contents;		/* "FDT, compatible ..." when the blob is one */
};

struct kr_fdt {
	size_t size;		/* totalsize from the header */
	char *compatible;	/* NULL if absent */
	int abi;		/* N of "kho-vN", -1 if not a KHO FDT */
	bool has_map;
	uint64_t map;		/* preserved-memory-map */
	struct kr_subtree *subs;
	unsigned int nr_subs;
};

struct kr_range {
	uint64_t start, size;
	unsigned int order;
};

struct kr_totals {
	bool present;
	uint64_t page_size, blocks, tables, leaves, keys, tree_bytes;
	bool has_tree;
};

struct kr_warning {
	const char *code;
	char *msg;
};

/* One direction: out/ (outgoing) or in/ (incoming). */
struct kr_dir {
	const char *name;	/* "out" or "in" */
	bool present;
	struct kr_fdt fdt;
	bool has_ranges;
	struct kr_range *ranges;
	size_t nr_ranges;
	struct kr_totals totals;
	bool has_scratch;
	uint64_t *scratch_start, *scratch_size;
	unsigned int nr_scratch;
	/* Derived from the ranges. */
	uint64_t page_size;
	uint64_t blocks, pages, bytes, runs;
	uint64_t order_blocks[KR_ORDERS];
	struct kr_warning *warns;
	unsigned int nr_warns;
};

static const char *prog = "kho-report";
static bool opt_json;
static long opt_ranges = 16;

/* ---- errors and memory ---- */

static void __attribute__((noreturn, format(printf, 2, 3)))
fail(int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		fail(KR_EXIT_USAGE, "out of memory");
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		fail(KR_EXIT_USAGE, "out of memory");
	return d;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		fail(KR_EXIT_USAGE, "out of memory");
	return s;
}

static void __attribute__((format(printf, 3, 4)))
warn(struct kr_dir *d, const char *code, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		fail(KR_EXIT_USAGE, "out of memory");
	va_end(ap);
	d->warns = xrealloc(d->warns, (d->nr_warns + 1) * sizeof(*d->warns));
	d->warns[d->nr_warns].code = code;
	d->warns[d->nr_warns].msg = msg;
	d->nr_warns++;
}

/* ---- files ---- */

/*
 * Read a whole file. Returns NULL with errno set if it cannot be opened or
 * read; debugfs files report no size, so read until EOF.
 */
static char *read_file(const char *path, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf;
	FILE *f;

	f = fopen(path, "rb");
	if (!f)
		return NULL;
	buf = xrealloc(NULL, cap + 1);
	for (;;) {
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (got == 0)
			break;
		if (n == cap) {
			if (cap >= KR_FILE_MAX) {
				fclose(f);
				free(buf);
				fail(KR_EXIT_MALFORMED, "%s: larger than %u MiB, not a KHO file",
				     path, KR_FILE_MAX >> 20);
			}
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
	}
	if (ferror(f)) {
		int err = errno;

		fclose(f);
		free(buf);
		errno = err ? err : EIO;
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static char *path_join(const char *a, const char *b, const char *c)
{
	return c ? xasprintf("%s/%s/%s", a, b, c) : xasprintf("%s/%s", a, b);
}

/* Read DIR/NAME/FILE; NULL if it does not exist, fatal on other errors. */
static char *read_optional(const char *dir, const char *name, const char *file,
			   size_t *len)
{
	char *path = path_join(dir, name, file);
	char *buf = read_file(path, len);

	if (!buf && errno != ENOENT)
		fail(KR_EXIT_USAGE, "%s: %s", path, strerror(errno));
	free(path);
	return buf;
}

/* ---- printable names ---- */

/* A copy of @s (@len bytes, not necessarily terminated) safe to print. */
static char *clean_name(const char *s, size_t len)
{
	char *out = xrealloc(NULL, len * 4 + 1), *p = out;
	size_t i;

	for (i = 0; i < len && s[i]; i++) {
		unsigned char c = s[i];

		if (isprint(c) && c != '\\')
			*p++ = c;
		else
			p += sprintf(p, "\\x%02x", c);
	}
	*p = '\0';
	return out;
}

/* ---- the handover FDT ---- */

/* The first string of a string-list property, if it is a proper one. */
static const char *fdt_first_string(const void *fdt, int node, const char *prop)
{
	const char *val;
	int len;

	val = fdt_getprop(fdt, node, prop, &len);
	if (!val || len <= 0 || !memchr(val, '\0', len))
		return NULL;
	return val;
}

static bool fdt_get_u64(const void *fdt, int node, const char *prop, uint64_t *val,
			bool *bad_len)
{
	const void *p;
	int len;

	p = fdt_getprop(fdt, node, prop, &len);
	*bad_len = false;
	if (!p)
		return false;
	if (len != sizeof(uint64_t)) {
		*bad_len = true;
		return false;
	}
	/* KHO stores its u64 properties in the CPU's byte order. */
	memcpy(val, p, sizeof(*val));
	return true;
}

/*
 * Check and decode a handover FDT from @buf (@len bytes read from @what).
 * Structural damage is fatal (exit 2); a readable FDT that is not a KHO
 * handover, or one of another version, is reported through warnings.
 */
static void parse_fdt(struct kr_dir *d, const char *what, const void *buf, size_t len)
{
	struct kr_fdt *f = &d->fdt;
	const char *compat;
	bool bad;
	int err, node;

	if (len < sizeof(struct fdt_header))
		fail(KR_EXIT_MALFORMED, "%s: %zu bytes, too short for an FDT header",
		     what, len);
	err = fdt_check_header(buf);
	if (err)
		fail(KR_EXIT_MALFORMED, "%s: not a valid FDT: %s", what, fdt_strerror(err));
	if (fdt_totalsize(buf) > len)
		fail(KR_EXIT_MALFORMED, "%s: FDT claims %u bytes but the file has %zu",
		     what, fdt_totalsize(buf), len);
	err = fdt_check_full(buf, len);
	if (err)
		fail(KR_EXIT_MALFORMED, "%s: damaged FDT: %s", what, fdt_strerror(err));

	f->size = fdt_totalsize(buf);
	f->abi = -1;
	compat = fdt_first_string(buf, 0, "compatible");
	if (compat) {
		f->compatible = clean_name(compat, strlen(compat));
		if (!strncmp(compat, KHO_COMPAT_PREFIX, strlen(KHO_COMPAT_PREFIX))) {
			const char *v = compat + strlen(KHO_COMPAT_PREFIX);
			char *end;
			long n;

			errno = 0;
			n = strtol(v, &end, 10);
			if (!errno && end != v && !*end && n >= 0 && n < 1000)
				f->abi = n;
		}
	}
	if (f->abi < 0) {
		warn(d, "not-kho", "%s is not a KHO handover FDT (compatible %s%s%s)",
		     what, compat ? "\"" : "", compat ? f->compatible : "missing",
		     compat ? "\"" : "");
	} else if (f->abi != KHO_COMPAT_KNOWN) {
		warn(d, "abi-version",
		     "format %s: kernels of this series only accept " KHO_COMPAT_PREFIX
		     "%d and ignore any other handover", f->compatible, KHO_COMPAT_KNOWN);
	}

	f->has_map = fdt_get_u64(buf, 0, KHO_PROP_MAP, &f->map, &bad);
	if (bad)
		fail(KR_EXIT_MALFORMED, "%s: property %s is not a u64", what, KHO_PROP_MAP);
	if (f->abi >= 0 && !f->has_map)
		fail(KR_EXIT_MALFORMED, "%s: no %s property", what, KHO_PROP_MAP);
	if (f->has_map && !f->map)
		warn(d, "no-tree", "the preserved-memory map is at address 0");

	fdt_for_each_subnode(node, buf, 0) {
		struct kr_subtree *s;
		const char *name;
		int name_len;

		f->subs = xrealloc(f->subs, (f->nr_subs + 1) * sizeof(*f->subs));
		s = &f->subs[f->nr_subs++];
		memset(s, 0, sizeof(*s));
		s->preserved = -1;
		s->order = -1;
		name = fdt_get_name(buf, node, &name_len);
		s->name = clean_name(name ? name : "", name ? name_len : 0);

		s->has_data = fdt_get_u64(buf, node, KHO_PROP_DATA, &s->data, &bad);
		if (bad)
			fail(KR_EXIT_MALFORMED, "%s: subtree %s: %s is not a u64", what,
			     s->name, KHO_PROP_DATA);
		s->has_size = fdt_get_u64(buf, node, KHO_PROP_SIZE, &s->size, &bad);
		if (bad)
			fail(KR_EXIT_MALFORMED, "%s: subtree %s: %s is not a u64", what,
			     s->name, KHO_PROP_SIZE);
		if (f->abi < 0)
			continue;
		if (!s->has_data)
			fail(KR_EXIT_MALFORMED, "%s: subtree %s has no %s", what, s->name,
			     KHO_PROP_DATA);
		if (!s->has_size)
			warn(d, "no-blob-size",
			     "subtree %s has no %s: the next kernel cannot tell how large it is",
			     s->name, KHO_PROP_SIZE);
		if (fdt_first_subnode(buf, node) >= 0)
			warn(d, "nested-node", "subtree %s has child nodes, which KHO ignores",
			     s->name);
	}
	if (node != -FDT_ERR_NOTFOUND)
		fail(KR_EXIT_MALFORMED, "%s: damaged FDT: %s", what, fdt_strerror(node));
}

/* Describe a blob file: its size, and the compatible string if it is an FDT. */
static void inspect_blob(struct kr_subtree *s, const char *buf, size_t len)
{
	const char *compat;

	s->file = true;
	s->file_size = len;
	if (len < sizeof(struct fdt_header) || fdt_check_header(buf) ||
	    fdt_totalsize(buf) > len || fdt_check_full(buf, len))
		return;
	compat = fdt_first_string(buf, 0, "compatible");
	if (compat) {
		char *c = clean_name(compat, strlen(compat));

		s->contents = xasprintf("FDT, compatible \"%s\"", c);
		free(c);
	} else {
		s->contents = xstrdup("FDT");
	}
}

/* ---- text files: ranges, totals, scratch ---- */

/* The next line of @p, terminated in place; NULL at the end. */
static char *next_line(char **p)
{
	char *line = *p, *nl;

	if (!line || !*line)
		return NULL;
	nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*p = nl + 1;
	} else {
		*p = line + strlen(line);
	}
	return line;
}

/* A whole number in the given base, with nothing else in the field. */
static bool parse_u64(const char *s, int base, uint64_t *val)
{
	unsigned long long v;
	char *end;

	if (!*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		return false;
	if (base == 16 && strncmp(s, "0x", 2))
		return false;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end)
		return false;
	*val = v;
	return true;
}

/* Split @line at spaces into at most @max fields; returns how many. */
static int split(char *line, char **fields, int max)
{
	int n = 0;
	char *tok, *save;

	for (tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (n == max)
			return max + 1;
		fields[n++] = tok;
	}
	return n;
}

static void parse_ranges(struct kr_dir *d, const char *what, char *buf)
{
	char *p = buf, *line, *f[4];
	unsigned int lineno = 0;
	uint64_t start, size, order;

	while ((line = next_line(&p))) {
		lineno++;
		if (!*line || *line == '#')
			continue;
		if (split(line, f, 3) != 3 || !parse_u64(f[0], 16, &start) ||
		    !parse_u64(f[1], 16, &size) || !parse_u64(f[2], 10, &order))
			fail(KR_EXIT_MALFORMED, "%s:%u: expected \"0xSTART 0xSIZE ORDER\"",
			     what, lineno);
		if (order >= KR_ORDERS || !size || start + size < start)
			fail(KR_EXIT_MALFORMED, "%s:%u: impossible range", what, lineno);
		d->ranges = xrealloc(d->ranges, (d->nr_ranges + 1) * sizeof(*d->ranges));
		d->ranges[d->nr_ranges++] = (struct kr_range){ start, size, order };
	}
	d->has_ranges = true;
}

static void parse_totals(struct kr_dir *d, const char *what, char *buf)
{
	struct kr_totals *t = &d->totals;
	char *p = buf, *line, *f[3];
	unsigned int lineno = 0;
	uint64_t v;

	while ((line = next_line(&p))) {
		lineno++;
		if (!*line || *line == '#')
			continue;
		if (split(line, f, 2) != 2 || !parse_u64(f[1], 10, &v))
			fail(KR_EXIT_MALFORMED, "%s:%u: expected \"KEY VALUE\"", what, lineno);
		/* Unknown keys are skipped: later kernels may add some. */
		if (!strcmp(f[0], "page_size"))
			t->page_size = v;
		else if (!strcmp(f[0], "blocks"))
			t->blocks = v;
		else if (!strcmp(f[0], "tree_tables"))
			t->tables = v, t->has_tree = true;
		else if (!strcmp(f[0], "tree_leaves"))
			t->leaves = v;
		else if (!strcmp(f[0], "tree_keys"))
			t->keys = v;
		else if (!strcmp(f[0], "tree_bytes"))
			t->tree_bytes = v;
	}
	t->present = true;
}

/* One hexadecimal number per line; returns how many. */
static unsigned int parse_hex_lines(const char *what, char *buf, uint64_t **out)
{
	char *p = buf, *line;
	unsigned int n = 0;
	uint64_t v;

	while ((line = next_line(&p))) {
		if (!*line)
			continue;
		if (!parse_u64(line, 16, &v))
			fail(KR_EXIT_MALFORMED, "%s:%u: expected one 0x number", what, n + 1);
		*out = xrealloc(*out, (n + 1) * sizeof(**out));
		(*out)[n++] = v;
	}
	return n;
}

/* Older trees have only tree_stats ("name: value" lines). */
static void parse_tree_stats(struct kr_dir *d, char *buf)
{
	struct kr_totals *t = &d->totals;
	char *p = buf, *line;
	unsigned long long v;

	while ((line = next_line(&p))) {
		if (sscanf(line, "tables: %llu", &v) == 1)
			t->tables = v, t->has_tree = true;
		else if (sscanf(line, "leaves: %llu", &v) == 1)
			t->leaves = v;
		else if (sscanf(line, "keys: %llu", &v) == 1)
			t->keys = v;
		else if (sscanf(line, "bytes: %llu", &v) == 1)
			t->tree_bytes = v;
	}
}

/* ---- analysis ---- */

static int cmp_range(const void *a, const void *b)
{
	const struct kr_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Index of the range holding @addr, or -1. Ranges are sorted and disjoint. */
static long find_range(const struct kr_dir *d, uint64_t addr)
{
	size_t lo = 0, hi = d->nr_ranges;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct kr_range *r = &d->ranges[mid];

		if (addr < r->start)
			hi = mid;
		else if (addr - r->start >= r->size)
			lo = mid + 1;
		else
			return mid;
	}
	return -1;
}

/* Whether [@start, @start + @len) is preserved, possibly across ranges. */
static bool covered(const struct kr_dir *d, uint64_t start, uint64_t len)
{
	long i = find_range(d, start);
	uint64_t end;

	if (i < 0)
		return false;
	if (!len || start + len < start)
		return len == 0;
	end = start + len;
	for (;;) {
		const struct kr_range *r = &d->ranges[i];
		uint64_t r_end = r->start + r->size;

		if (end <= r_end)
			return true;
		i++;
		if ((size_t)i == d->nr_ranges || d->ranges[i].start != r_end)
			return false;
	}
}

static void fmt_size(char *buf, size_t n, uint64_t bytes)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = bytes;
	int u = 0;

	while (v >= 1024 && u < 6) {
		v /= 1024;
		u++;
	}
	if (!u)
		snprintf(buf, n, "%" PRIu64 " B", bytes);
	else if (v == (uint64_t)v)
		snprintf(buf, n, "%.0f %s", v, unit[u]);
	else
		snprintf(buf, n, "%.1f %s", v, unit[u]);
}

static void analyse(struct kr_dir *d)
{
	uint64_t block, prev_end = 0;
	char a[32], b[32];
	unsigned int i;
	size_t r;

	d->page_size = d->totals.page_size ? d->totals.page_size :
		       (uint64_t)sysconf(_SC_PAGESIZE);
	if (d->page_size < 4096 || (d->page_size & (d->page_size - 1)))
		fail(KR_EXIT_MALFORMED, "%s: page size %" PRIu64
		     " is not a power of two of 4 KiB or more", d->name, d->page_size);

	if (d->has_ranges) {
		qsort(d->ranges, d->nr_ranges, sizeof(*d->ranges), cmp_range);
		for (r = 0; r < d->nr_ranges; r++) {
			const struct kr_range *x = &d->ranges[r];

			if (x->order + __builtin_ctzll(d->page_size) >= 64)
				fail(KR_EXIT_MALFORMED, "%s/ranges: order %u is too large",
				     d->name, x->order);
			block = d->page_size << x->order;
			if (x->start % block || x->size % block)
				fail(KR_EXIT_MALFORMED, "%s/ranges: range 0x%" PRIx64
				     " is not made of order-%u blocks", d->name, x->start,
				     x->order);
			if (r && x->start < prev_end)
				fail(KR_EXIT_MALFORMED, "%s/ranges: ranges overlap at 0x%" PRIx64,
				     d->name, x->start);
			if (!r || x->start != prev_end)
				d->runs++;
			prev_end = x->start + x->size;
			d->order_blocks[x->order] += x->size / block;
			d->blocks += x->size / block;
			d->pages += x->size / d->page_size;
			d->bytes += x->size;
		}
	}

	for (i = 0; i < d->fdt.nr_subs; i++) {
		struct kr_subtree *s = &d->fdt.subs[i];
		long at;

		if (!d->has_ranges || !s->has_data)
			continue;
		at = find_range(d, s->data);
		s->order = at < 0 ? -1 : (int)d->ranges[at].order;
		s->preserved = covered(d, s->data, s->has_size ? s->size : 1);
		if (s->preserved)
			continue;
		if (at >= 0)
			warn(d, "blob-partly-preserved",
			     "blob %s at 0x%" PRIx64 " (%" PRIu64
			     " bytes) is only partly in preserved memory",
			     s->name, s->data, s->size);
		else if (!strcmp(d->name, "out"))
			warn(d, "blob-not-preserved",
			     "blob %s at 0x%" PRIx64
			     " is not in preserved memory: the next kernel will find its memory reused",
			     s->name, s->data);
		else
			warn(d, "blob-not-preserved",
			     "blob %s at 0x%" PRIx64
			     " was not preserved by the previous kernel: its contents cannot be trusted",
			     s->name, s->data);
	}
	for (i = 0; i < d->fdt.nr_subs; i++) {
		struct kr_subtree *s = &d->fdt.subs[i];

		/* An incoming blob's view goes once its owner restored it. */
		if (!s->file && d->fdt.abi >= 0 && d->present &&
		    strcmp(d->name, "in"))
			warn(d, "blob-not-shown",
			     "blob %s has no file in %s/sub_fdts/ (the kernel could not map it)",
			     s->name, d->name);
		else if (s->file && s->has_size && s->file_size != s->size)
			warn(d, "blob-size", "blob %s: blob-size %" PRIu64
			     " but its file has %zu bytes", s->name, s->size, s->file_size);
	}

	for (i = 0; i < d->nr_scratch && d->has_ranges; i++) {
		uint64_t s = d->scratch_start[i], e = s + d->scratch_size[i];

		for (r = 0; r < d->nr_ranges; r++) {
			const struct kr_range *x = &d->ranges[r];

			if (x->start < e && s < x->start + x->size) {
				warn(d, "preserved-in-scratch",
				     "preserved range 0x%" PRIx64
				     " overlaps scratch area %u: the next kernel will reject the whole handover",
				     x->start, i);
				break;
			}
		}
	}

	if (d->totals.present && d->has_ranges && d->totals.blocks != d->blocks)
		warn(d, "changed-while-read",
		     "ranges show %" PRIu64 " blocks but totals %" PRIu64
		     " (preservation changed between the two reads)",
		     d->blocks, d->totals.blocks);

	if (d->runs >= KR_FRAG_RUNS && d->bytes / d->runs < KR_FRAG_AVG_BYTES) {
		fmt_size(a, sizeof(a), d->bytes / d->runs);
		fmt_size(b, sizeof(b), d->bytes);
		warn(d, "fragmented",
		     "%s preserved in %" PRIu64
		     " separate runs (%s on average): the next kernel makes one memory reservation per run in early boot; preserve larger or adjacent blocks to shorten it",
		     b, d->runs, a);
	}
}

/* ---- reading a direction from debugfs ---- */

static void load_dir(struct kr_dir *d, const char *root)
{
	char *buf, *what, *blobs;
	size_t len;
	unsigned int i, n;

	buf = read_optional(root, d->name, "fdt", &len);
	if (!buf)
		return;
	d->present = true;
	what = path_join(root, d->name, "fdt");
	parse_fdt(d, what, buf, len);
	free(what);
	free(buf);

	blobs = path_join(root, d->name, "sub_fdts");
	for (i = 0; i < d->fdt.nr_subs; i++) {
		struct kr_subtree *s = &d->fdt.subs[i];

		/* A name that could climb out of the folder is not looked up. */
		if (strchr(s->name, '/') || !strcmp(s->name, "..") || !strcmp(s->name, "."))
			continue;
		buf = read_optional(blobs, s->name, NULL, &len);
		if (buf)
			inspect_blob(s, buf, len);
		free(buf);
	}
	free(blobs);

	buf = read_optional(root, d->name, "totals", &len);
	if (buf) {
		what = path_join(root, d->name, "totals");
		parse_totals(d, what, buf);
		free(what);
		free(buf);
	} else {
		buf = read_optional(root, d->name, "tree_stats", &len);
		if (buf)
			parse_tree_stats(d, buf);
		free(buf);
	}

	buf = read_optional(root, d->name, "ranges", &len);
	if (buf) {
		what = path_join(root, d->name, "ranges");
		parse_ranges(d, what, buf);
		free(what);
		free(buf);
	}

	buf = read_optional(root, d->name, "scratch_phys", &len);
	if (buf) {
		char *sizes = read_optional(root, d->name, "scratch_len", &len);

		what = path_join(root, d->name, "scratch_phys");
		if (!sizes)
			fail(KR_EXIT_MALFORMED, "%s exists but scratch_len does not", what);
		n = parse_hex_lines(what, buf, &d->scratch_start);
		if (parse_hex_lines(what, sizes, &d->scratch_size) != n)
			fail(KR_EXIT_MALFORMED, "%s and scratch_len differ in length", what);
		d->nr_scratch = n;
		d->has_scratch = true;
		free(what);
		free(sizes);
		free(buf);
	}
	analyse(d);
}

/* ---- text output ---- */

static void text_dir(const struct kr_dir *d, bool offline)
{
	const struct kr_fdt *f = &d->fdt;
	uint64_t total = 0;
	char a[32], b[32];
	unsigned int i;
	size_t r, shown;

	if (offline)
		printf("== Handover FDT ==\n");
	else if (!strcmp(d->name, "out"))
		printf("== Outgoing: what the next kernel will receive (out/) ==\n");
	else
		printf("== Incoming: what this kernel received (in/) ==\n");

	printf("format          %s", f->compatible ? f->compatible : "(no compatible)");
	if (f->abi >= 0)
		printf(" (ABI version %d)", f->abi);
	printf(", FDT of %zu bytes\n", f->size);
	if (f->has_map)
		printf("memory map      tree root at 0x%016" PRIx64 "\n", f->map);
	printf("subtrees        %u\n", f->nr_subs);
	if (f->nr_subs)
		printf("  %-20s %-18s %10s  %s\n", "name", "preserved-data", "blob-size",
		       "preserved");
	for (i = 0; i < f->nr_subs; i++) {
		const struct kr_subtree *s = &f->subs[i];
		char pres[48], sz[24];

		if (s->preserved < 0)
			snprintf(pres, sizeof(pres), offline ? "n/a" : "unknown");
		else if (s->preserved)
			snprintf(pres, sizeof(pres), "yes (order %d)", s->order);
		else
			snprintf(pres, sizeof(pres), "NO");
		if (s->has_size)
			snprintf(sz, sizeof(sz), "%" PRIu64, s->size);
		else
			snprintf(sz, sizeof(sz), "-");
		printf("  %-20s 0x%016" PRIx64 " %10s  %s%s%s\n", s->name, s->data, sz, pres,
		       s->contents ? "; " : "", s->contents ? s->contents : "");
	}

	if (d->has_scratch) {
		for (i = 0; i < d->nr_scratch; i++)
			total += d->scratch_size[i];
		fmt_size(a, sizeof(a), total);
		printf("scratch areas   %u, %s in total\n", d->nr_scratch, a);
		for (i = 0; i < d->nr_scratch; i++) {
			fmt_size(a, sizeof(a), d->scratch_size[i]);
			printf("  0x%016" PRIx64 "  %s\n", d->scratch_start[i], a);
		}
	}

	if (!offline && !d->has_ranges)
		printf("preserved       (this kernel has no %s/ranges file)\n", d->name);
	if (d->has_ranges) {
		fmt_size(a, sizeof(a), d->bytes);
		printf("preserved       %" PRIu64 " blocks, %" PRIu64
		       " pages, %s in %zu ranges, %" PRIu64 " runs\n",
		       d->blocks, d->pages, a, d->nr_ranges, d->runs);
		printf("  %5s %10s %10s %10s %10s\n", "order", "block", "blocks", "pages",
		       "bytes");
		for (i = 0; i < KR_ORDERS; i++) {
			if (!d->order_blocks[i])
				continue;
			fmt_size(a, sizeof(a), d->page_size << i);
			fmt_size(b, sizeof(b), d->order_blocks[i] * (d->page_size << i));
			printf("  %5u %10s %10" PRIu64 " %10" PRIu64 " %10s\n", i, a,
			       d->order_blocks[i], d->order_blocks[i] << i, b);
		}
		shown = opt_ranges < 0 || (size_t)opt_ranges > d->nr_ranges ?
			d->nr_ranges : (size_t)opt_ranges;
		printf("ranges          %zu of %zu, by address%s\n", shown, d->nr_ranges,
		       shown < d->nr_ranges ? " (--ranges N shows more)" : "");
		if (shown)
			printf("  %-18s %-18s %10s %5s\n", "start", "end", "size", "order");
		for (r = 0; r < shown; r++) {
			const struct kr_range *x = &d->ranges[r];

			fmt_size(a, sizeof(a), x->size);
			printf("  0x%016" PRIx64 " 0x%016" PRIx64 " %10s %5u\n", x->start,
			       x->start + x->size, a, x->order);
		}
	}

	if (d->totals.has_tree) {
		const struct kr_totals *t = &d->totals;

		fmt_size(a, sizeof(a), t->tree_bytes);
		printf("tree            %" PRIu64 " tables, %" PRIu64 " leaves, %" PRIu64
		       " keys, %s", t->tables, t->leaves, t->keys, a);
		if (d->bytes)
			printf("; %.0f bytes of metadata per preserved GiB",
			       (double)t->tree_bytes * (1u << 30) / d->bytes);
		printf("\n");
		if (d->has_ranges)
			printf("next kernel     reads %" PRIu64 " tree pages, tags %" PRIu64
			       " head pages, makes %" PRIu64 " reservations\n",
			       t->tables + t->leaves, d->blocks, d->runs);
	}

	if (!d->nr_warns)
		printf("warnings        none\n");
	for (i = 0; i < d->nr_warns; i++)
		printf("WARNING [%s] %s\n", d->warns[i].code, d->warns[i].msg);
	printf("\n");
}

/* ---- JSON output ---- */

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_dir(const struct kr_dir *d, const char *ind)
{
	const struct kr_fdt *f = &d->fdt;
	unsigned int i;
	size_t r;

	printf("{\n%s  \"fdt\": {\n%s    \"compatible\": ", ind, ind);
	if (f->compatible)
		json_str(f->compatible);
	else
		printf("null");
	printf(",\n%s    \"abi_version\": %d,\n", ind, f->abi);
	printf("%s    \"size\": %zu,\n", ind, f->size);
	if (f->has_map)
		printf("%s    \"preserved_memory_map\": %" PRIu64 ",\n", ind, f->map);
	else
		printf("%s    \"preserved_memory_map\": null,\n", ind);
	printf("%s    \"subtrees\": [", ind);
	for (i = 0; i < f->nr_subs; i++) {
		const struct kr_subtree *s = &f->subs[i];

		printf("%s\n%s      {\"name\": ", i ? "," : "", ind);
		json_str(s->name);
		if (s->has_data)
			printf(", \"preserved_data\": %" PRIu64, s->data);
		else
			printf(", \"preserved_data\": null");
		if (s->has_size)
			printf(", \"blob_size\": %" PRIu64, s->size);
		else
			printf(", \"blob_size\": null");
		printf(", \"preserved\": %s", s->preserved < 0 ? "null" :
		       s->preserved ? "true" : "false");
		if (s->order >= 0)
			printf(", \"order\": %d", s->order);
		if (s->file)
			printf(", \"file_size\": %zu", s->file_size);
		if (s->contents) {
			printf(", \"contents\": ");
			json_str(s->contents);
		}
		printf("}");
	}
	printf("%s]\n%s  },\n", f->nr_subs ? "\n    " : "", ind);

	if (d->has_scratch) {
		printf("%s  \"scratch\": [", ind);
		for (i = 0; i < d->nr_scratch; i++)
			printf("%s\n%s    {\"start\": %" PRIu64 ", \"size\": %" PRIu64 "}",
			       i ? "," : "", ind, d->scratch_start[i], d->scratch_size[i]);
		printf("%s],\n", d->nr_scratch ? "\n  " : "");
	} else {
		printf("%s  \"scratch\": null,\n", ind);
	}

	if (d->has_ranges) {
		printf("%s  \"preserved\": {\n", ind);
		printf("%s    \"page_size\": %" PRIu64 ", \"blocks\": %" PRIu64
		       ", \"pages\": %" PRIu64 ", \"bytes\": %" PRIu64 ",\n", ind,
		       d->page_size, d->blocks, d->pages, d->bytes);
		printf("%s    \"nr_ranges\": %zu, \"runs\": %" PRIu64 ",\n", ind,
		       d->nr_ranges, d->runs);
		printf("%s    \"orders\": [", ind);
		for (i = 0, r = 0; i < KR_ORDERS; i++) {
			if (!d->order_blocks[i])
				continue;
			printf("%s\n%s      {\"order\": %u, \"blocks\": %" PRIu64 ", \"pages\": %"
			       PRIu64 ", \"bytes\": %" PRIu64 "}", r++ ? "," : "", ind, i,
			       d->order_blocks[i], d->order_blocks[i] << i,
			       d->order_blocks[i] * (d->page_size << i));
		}
		printf("%s],\n%s    \"ranges\": [", r ? "\n    " : "", ind);
		for (r = 0; r < d->nr_ranges; r++)
			printf("%s\n%s      {\"start\": %" PRIu64 ", \"size\": %" PRIu64
			       ", \"order\": %u}", r ? "," : "", ind, d->ranges[r].start,
			       d->ranges[r].size, d->ranges[r].order);
		printf("%s]\n%s  },\n", d->nr_ranges ? "\n    " : "", ind);
	} else {
		printf("%s  \"preserved\": null,\n", ind);
	}

	if (d->totals.has_tree) {
		const struct kr_totals *t = &d->totals;

		printf("%s  \"tree\": {\"tables\": %" PRIu64 ", \"leaves\": %" PRIu64
		       ", \"keys\": %" PRIu64 ", \"bytes\": %" PRIu64, ind, t->tables,
		       t->leaves, t->keys, t->tree_bytes);
		if (d->bytes)
			printf(", \"metadata_bytes_per_gib\": %" PRIu64,
			       (uint64_t)((double)t->tree_bytes * (1u << 30) / d->bytes));
		printf("},\n");
	} else {
		printf("%s  \"tree\": null,\n", ind);
	}
	if (d->has_ranges && d->totals.has_tree)
		printf("%s  \"next_kernel\": {\"tree_pages\": %" PRIu64 ", \"head_pages\": %"
		       PRIu64 ", \"reservations\": %" PRIu64 "},\n", ind,
		       d->totals.tables + d->totals.leaves, d->blocks, d->runs);
	else
		printf("%s  \"next_kernel\": null,\n", ind);

	printf("%s  \"warnings\": [", ind);
	for (i = 0; i < d->nr_warns; i++) {
		printf("%s\n%s    {\"code\": ", i ? "," : "", ind);
		json_str(d->warns[i].code);
		printf(", \"message\": ");
		json_str(d->warns[i].msg);
		printf("}");
	}
	printf("%s]\n%s}", d->nr_warns ? "\n  " : "", ind);
}

static void free_dir(struct kr_dir *d)
{
	unsigned int i;

	for (i = 0; i < d->fdt.nr_subs; i++) {
		free(d->fdt.subs[i].name);
		free(d->fdt.subs[i].contents);
	}
	free(d->fdt.subs);
	free(d->fdt.compatible);
	free(d->ranges);
	free(d->scratch_start);
	free(d->scratch_size);
	for (i = 0; i < d->nr_warns; i++)
		free(d->warns[i].msg);
	free(d->warns);
}

/* ---- main ---- */

static void print_usage(FILE *out)
{
	fprintf(out,
		"usage: %s [--debugfs DIR] [--json] [--ranges N|all] [--strict]\n"
		"       %s --fdt FILE [--json] [--strict]\n"
		"\n"
		"Report what a kexec handover (KHO) will pass to the next kernel (out/)\n"
		"and what this kernel received (in/), from KHO's debugfs views.\n"
		"\n"
		"  --debugfs DIR  the KHO debugfs folder, or a copy of it\n"
		"                 (default /sys/kernel/debug/kho)\n"
		"  --fdt FILE     decode a handover FDT saved to a file\n"
		"  --json         machine-readable output\n"
		"  --ranges N     list N ranges in the text report (default 16; all)\n"
		"  --strict       exit with status 3 if there are warnings\n"
		"\n"
		"Exit status: 0 report printed, 1 usage or read error, 2 malformed\n"
		"input, 3 warnings with --strict.\n", prog, prog);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "debugfs", required_argument, NULL, 'd' },
		{ "fdt", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "ranges", required_argument, NULL, 'r' },
		{ "strict", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct kr_dir dirs[2] = { { .name = "out" }, { .name = "in" } };
	const char *root = "/sys/kernel/debug/kho", *fdt_file = NULL;
	unsigned int i, nr_dirs = 0, warnings = 0;
	bool strict = false;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "d:f:jr:sh", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			root = optarg;
			break;
		case 'f':
			fdt_file = optarg;
			break;
		case 'j':
			opt_json = true;
			break;
		case 'r':
			if (!strcmp(optarg, "all")) {
				opt_ranges = -1;
				break;
			}
			errno = 0;
			opt_ranges = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || opt_ranges < 0)
				fail(KR_EXIT_USAGE, "--ranges wants a count or \"all\"");
			break;
		case 's':
			strict = true;
			break;
		case 'h':
			print_usage(stdout);
			return KR_EXIT_OK;
		default:
			print_usage(stderr);
			return KR_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		print_usage(stderr);
		return KR_EXIT_USAGE;
	}

	if (fdt_file) {
		size_t len;
		char *buf = read_file(fdt_file, &len);

		if (!buf)
			fail(KR_EXIT_USAGE, "%s: %s", fdt_file, strerror(errno));
		dirs[0].name = "fdt";
		parse_fdt(&dirs[0], fdt_file, buf, len);
		free(buf);
		analyse(&dirs[0]);
		nr_dirs = 1;
	} else {
		for (i = 0; i < 2; i++)
			load_dir(&dirs[i], root);
		if (!dirs[0].present && !dirs[1].present)
			fail(KR_EXIT_USAGE,
			     "%s: no KHO debugfs files here (is debugfs mounted, KHO on and CONFIG_KEXEC_HANDOVER_DEBUGFS set?)",
			     root);
		nr_dirs = 2;
	}
	for (i = 0; i < nr_dirs; i++)
		warnings += dirs[i].nr_warns;

	if (opt_json) {
		printf("{\n  \"tool\": \"kho-report\",\n  \"format\": 1,\n");
		printf("  \"source\": {\"%s\": ", fdt_file ? "fdt" : "debugfs");
		json_str(fdt_file ? fdt_file : root);
		printf("},\n");
		if (fdt_file) {
			printf("  \"file\": ");
			json_dir(&dirs[0], "  ");
			printf(",\n");
		} else {
			for (i = 0; i < 2; i++) {
				printf("  \"%s\": ", dirs[i].name);
				if (dirs[i].present)
					json_dir(&dirs[i], "  ");
				else
					printf("null");
				printf(",\n");
			}
		}
		printf("  \"nr_warnings\": %u\n}\n", warnings);
	} else {
		printf("KHO handover report (%s %s)\n\n", fdt_file ? "FDT file" : "debugfs",
		       fdt_file ? fdt_file : root);
		if (fdt_file) {
			text_dir(&dirs[0], true);
		} else {
			for (i = 0; i < 2; i++) {
				if (dirs[i].present)
					text_dir(&dirs[i], false);
			}
			if (!dirs[0].present)
				printf("No outgoing handover: KHO is off in this kernel.\n");
			if (!dirs[1].present)
				printf("%s\n",
				       "No incoming handover: this kernel booted cold, or ignored what it was handed (see the kernel log).");
		}
		printf("%u warning%s\n", warnings, warnings == 1 ? "" : "s");
	}
	for (i = 0; i < nr_dirs; i++)
		free_dir(&dirs[i]);
	if (fflush(stdout) || ferror(stdout))
		fail(KR_EXIT_USAGE, "writing the report: %s", strerror(errno));
	return strict && warnings ? KR_EXIT_WARNINGS : KR_EXIT_OK;
}
