// SPDX-License-Identifier: GPL-2.0
/*
 * Run fuzzer inputs through fuzz_in_check.c without libFuzzer, one KTAP
 * case per file: the seed corpus as a regression test in make check, and
 * any crash file for debugging (with gcc, ASan and UBSan).
 *
 *   fuzz-replay [FILE|DIR...]      (default: $CORPUS, else ./corpus)
 *
 * A broken invariant aborts the run. Files named OUTCOME--WHAT (as
 * corpus_gen writes them) must also end with that outcome, with every
 * character but letters and digits turned into '-' and letters in lower
 * case: "ok" when
 * nothing was refused, "root-outside-ram", "dropped" when the machine would
 * drop the handover before vetting, else the refusals, as in
 * "entry-reached-twice-block-inside-a-larger-block".
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_input.h"

static unsigned int n, passed, failed;

static void outcome(char *buf, size_t len)
{
	const char *s = fuzz_last_outcome;
	size_t i;

	for (i = 0; s && s[i] && i + 1 < len; i++)
		buf[i] = isalnum((unsigned char)s[i]) ? tolower((unsigned char)s[i]) : '-';
	buf[i] = 0;
}

static void run_file(const char *path)
{
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	const char *sep = strstr(name, "--");
	static u8 data[1 << 20];
	char got[128];
	size_t size;
	FILE *f;

	f = fopen(path, "rb");
	if (!f) {
		perror(path);
		printf("not ok %u %s # cannot read\n", ++n, name);
		failed++;
		return;
	}
	size = fread(data, 1, sizeof(data), f);
	fclose(f);

	LLVMFuzzerTestOneInput(data, size);
	outcome(got, sizeof(got));
	if (sep && (strlen(got) != (size_t)(sep - name) ||
		    strncmp(got, name, sep - name))) {
		printf("# %s: outcome %s\n", name, got);
		printf("not ok %u %s\n", ++n, name);
		failed++;
		return;
	}
	printf("ok %u %s # %s\n", ++n, name, got);
	passed++;
}

/* Add @path, or the files of directory @path in name order, to @list. */
static void add_path(const char *path, char ***list, size_t *nr)
{
	struct dirent **ents;
	struct stat st;
	int i, nr_ents;

	if (stat(path, &st) || !S_ISDIR(st.st_mode)) {
		*list = realloc(*list, (*nr + 1) * sizeof(**list));
		if (!*list)
			abort();
		(*list)[*nr] = strdup(path);
		if (!(*list)[(*nr)++])
			abort();
		return;
	}
	nr_ents = scandir(path, &ents, NULL, alphasort);
	if (nr_ents < 0) {
		perror(path);
		exit(1);
	}
	for (i = 0; i < nr_ents; i++) {
		char *file;

		if (ents[i]->d_name[0] != '.') {
			if (asprintf(&file, "%s/%s", path, ents[i]->d_name) < 0)
				abort();
			add_path(file, list, nr);
			free(file);
		}
		free(ents[i]);
	}
	free(ents);
}

int main(int argc, char **argv)
{
	char **files = NULL;
	size_t nr = 0, i;
	int a;

	for (a = 1; a < argc; a++)
		add_path(argv[a], &files, &nr);
	if (argc == 1)
		add_path(getenv("CORPUS") ? getenv("CORPUS") : "corpus", &files, &nr);
	printf("KTAP version 1\n1..%zu\n", nr);
	for (i = 0; i < nr; i++) {
		run_file(files[i]);
		free(files[i]);
	}
	free(files);
	printf("%u passed, %u failed\n", passed, failed);
	return failed || !nr ? 1 : 0;
}
