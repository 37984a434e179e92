// SPDX-License-Identifier: GPL-2.0
/*
 * gen_fdt: the FDT files kho-report's tests decode, valid and damaged.
 *
 *   gen_fdt DIR             write every named case below into DIR
 *   gen_fdt DIR mutate N    also write N copies of valid.dtb, each with a few
 *                           bytes changed at random (fixed seed), as
 *                           mut-NNN.dtb, for a crash hunt
 *
 * The valid ones are built with libfdt's sequential-write API, the way a
 * kernel of this series lays out its handover: root compatible "kho-v4",
 * a u64 "preserved-memory-map", one child per blob with u64
 * "preserved-data" and "blob-size", all in the CPU's byte order. The
 * damaged ones start from a valid one and break one thing each.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#define BUF_SIZE	4096

/* The blobs of the standard handover, which the debugfs fixtures reuse. */
#define MAP_ROOT	0x10a3f2000ull
#define SCN_DATA	0x104200000ull
#define SCN_SIZE	65536ull
#define META_DATA	0x103456000ull
#define META_SIZE	76ull

static const char *outdir;

static void die(const char *what, int err)
{
	fprintf(stderr, "gen_fdt: %s: %s\n", what, err < 0 ? fdt_strerror(err) :
		strerror(err));
	exit(1);
}

static void check(int err, const char *what)
{
	if (err)
		die(what, err);
}

static void save(const char *name, const void *buf, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	f = fopen(path, "wb");
	if (!f)
		die(path, errno);
	if (len && fwrite(buf, 1, len, f) != len)
		die(path, errno);
	if (fclose(f))
		die(path, errno);
}

struct blob {
	const char *name;
	uint64_t data, size;
	unsigned int flags;
};

#define NO_DATA		0x1	/* leave out preserved-data */
#define NO_SIZE		0x2	/* leave out blob-size */
#define SHORT_DATA	0x4	/* preserved-data of 4 bytes */
#define CHILD		0x8	/* a child node inside the blob node */

#define NO_MAP		0x1	/* leave out preserved-memory-map */
#define SHORT_MAP	0x2	/* preserved-memory-map of 4 bytes */

static void u64_prop(void *fdt, const char *name, uint64_t v, int len)
{
	/* Native byte order, as KHO writes it. */
	check(fdt_property(fdt, name, &v, len), name);
}

/* A handover FDT with the given compatible (NULL: none) and blobs. */
static size_t build(void *buf, const char *compat, unsigned int flags,
		    const struct blob *blobs, unsigned int nr)
{
	unsigned int i;

	check(fdt_create(buf, BUF_SIZE), "fdt_create");
	check(fdt_finish_reservemap(buf), "reservemap");
	check(fdt_begin_node(buf, ""), "root");
	if (compat)
		check(fdt_property_string(buf, "compatible", compat), "compatible");
	if (!(flags & NO_MAP))
		u64_prop(buf, "preserved-memory-map", MAP_ROOT,
			 flags & SHORT_MAP ? 4 : 8);
	for (i = 0; i < nr; i++) {
		check(fdt_begin_node(buf, blobs[i].name), blobs[i].name);
		if (!(blobs[i].flags & NO_DATA))
			u64_prop(buf, "preserved-data", blobs[i].data,
				 blobs[i].flags & SHORT_DATA ? 4 : 8);
		if (!(blobs[i].flags & NO_SIZE))
			u64_prop(buf, "blob-size", blobs[i].size, 8);
		if (blobs[i].flags & CHILD) {
			check(fdt_begin_node(buf, "child"), "child");
			check(fdt_end_node(buf), "child end");
		}
		check(fdt_end_node(buf), "end");
	}
	check(fdt_end_node(buf), "root end");
	check(fdt_finish(buf), "finish");
	return fdt_totalsize(buf);
}

static const struct blob std_blobs[] = {
	{ "kexec-metadata", META_DATA, META_SIZE, 0 },
	{ "kho-scenario", SCN_DATA, SCN_SIZE, 0 },
};

static void one(const char *name, const char *compat, unsigned int flags,
		const struct blob *blobs, unsigned int nr)
{
	static char buf[BUF_SIZE];

	save(name, buf, build(buf, compat, flags, blobs, nr));
}

/* A small deterministic generator, so every run tests the same files. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

int main(int argc, char **argv)
{
	static char buf[BUF_SIZE], copy[BUF_SIZE];
	struct fdt_header *hdr = (struct fdt_header *)copy;
	struct blob b[2];
	unsigned int i, j, n;
	size_t len;

	if (argc != 2 && !(argc == 4 && !strcmp(argv[2], "mutate"))) {
		fprintf(stderr, "usage: gen_fdt DIR [mutate N]\n");
		return 1;
	}
	outdir = argv[1];

	/* Valid handovers. */
	one("valid.dtb", "kho-v4", 0, std_blobs, 2);
	one("empty.dtb", "kho-v4", 0, NULL, 0);
	one("v3.dtb", "kho-v3", 0, std_blobs, 2);
	one("notkho.dtb", "luo-v1", NO_MAP, NULL, 0);
	one("nocompat.dtb", NULL, NO_MAP, NULL, 0);
	memcpy(b, std_blobs, sizeof(b));
	b[1].flags = NO_SIZE;
	one("nosize.dtb", "kho-v4", 0, b, 2);
	b[1].flags = CHILD;
	one("nested.dtb", "kho-v4", 0, b, 2);
	b[1].flags = 0;
	b[1].name = "we\"ird\\name";
	one("oddname.dtb", "kho-v4", 0, b, 2);

	/* Readable FDTs that no kernel would accept as a handover. */
	one("nomap.dtb", "kho-v4", NO_MAP, std_blobs, 2);
	one("shortmap.dtb", "kho-v4", SHORT_MAP, std_blobs, 2);
	memcpy(b, std_blobs, sizeof(b));
	b[0].flags = NO_DATA;
	one("nodata.dtb", "kho-v4", 0, b, 2);
	b[0].flags = SHORT_DATA;
	one("shortdata.dtb", "kho-v4", 0, b, 2);

	/* Damaged files, each from valid.dtb. */
	len = build(buf, "kho-v4", 0, std_blobs, 2);
	save("zero.dtb", buf, 0);
	save("short.dtb", buf, 10);
	save("truncated.dtb", buf, len / 2);
	memcpy(copy, buf, len);
	copy[0] ^= 0xff;
	save("badmagic.dtb", copy, len);
	memcpy(copy, buf, len);
	hdr->totalsize = cpu_to_fdt32(0xfffffff0u);
	save("hugesize.dtb", copy, len);
	memcpy(copy, buf, len);
	hdr->off_dt_strings = cpu_to_fdt32(len + 64);
	save("badstrings.dtb", copy, len);
	memcpy(copy, buf, len);
	/* The first tag of the structure block: FDT_BEGIN_NODE becomes junk. */
	memset(copy + fdt_off_dt_struct(buf), 0x7e, 4);
	save("badstruct.dtb", copy, len);
	memcpy(copy, buf, len);
	/* The root's first property names an offset past the strings block. */
	memset(copy + fdt_off_dt_struct(buf) + 12, 0x7f, 4);
	save("badname.dtb", copy, len);
	for (i = 0; i < len; i++)
		copy[i] = next_rand();
	save("garbage.dtb", copy, len);

	n = argc == 4 ? strtoul(argv[3], NULL, 10) : 0;
	for (i = 0; i < n; i++) {
		char name[32];

		memcpy(copy, buf, len);
		/* Leave the magic alone most of the time, to get past it. */
		for (j = 0; j < 1 + next_rand() % 4; j++)
			copy[(i % 8 ? 4 : 0) + next_rand() % (len - 4)] = next_rand();
		snprintf(name, sizeof(name), "mut-%03u.dtb", i);
		save(name, copy, len);
	}
	return 0;
}
