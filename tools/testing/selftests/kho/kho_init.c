// SPDX-License-Identifier: GPL-2.0
/*
 * kho_init: the guest's /init for KHO kexec scenarios (static, nolibc).
 *
 * A scenario is a chain of kernels booted one after the other through
 * kexec_file_load with KHO.  The kernel command line carries the plan:
 *
 *   khotest.plan=ours,stock,ours   the kernel of each stage, in order; an
 *                                  entry NAME+WORD also adds WORD to that
 *                                  stage's command line (ours+kho=off);
 *                                  NAME+W1+W2 adds two words, and a ';'
 *                                  in a word stands for a comma
 *   khotest.stage=N                the stage this boot is (1 when absent)
 *   khotest.mod=a=1,b=2            extra kho_scenario module parameters
 *   khotest.report=1               run /bin/kho-report in every stage
 *   khotest.luo=1                  run /bin/luo_memfd in every stage: a LUO
 *                                  memfd goes along with the KHO set
 *   khotest.pfnwalk=1              before and after the module, read
 *                                  /proc/kpageflags for every pfn, compact
 *                                  memory, and read every incoming blob in
 *                                  debugfs: nothing may touch a struct page
 *                                  or a blob that is not initialised or
 *                                  gone
 *
 * Every stage loads /k/<kernel>/kho_scenario.ko, which verifies what the
 * previous kernel preserved and preserves a new set unless it is the last
 * stage, and reports the outcome as one KTAP result.  Then it writes the
 * rootfs it was booted from back into a cpio archive (so that the next kernel
 * gets the same files), kexec_file_loads the next stage's kernel with the
 * stage number bumped and reboots into it.  The last stage powers off.
 *
 * Stage 1 prints the KTAP header and the plan; the host reads the results
 * from the serial log, which spans all the kernels of the chain.
 *
 * With khotest.report=1, every stage also runs the static /bin/kho-report
 * (tools/kho) once the module is done, that is after this stage preserved its
 * set and before it kexecs: once for the text report and once with --json.
 * Each output goes to the log between two marker lines,
 *
 *   # kho-report: begin stage=N format=text|json
 *   # kho-report| <one line of output>
 *   # kho-report: end stage=N format=text|json status=S lines=L
 *
 * (L counts the lines in between, so that lost lines can be told) for
 * scripts/report-check.py to compare what stage N handed over (out/)
 * with what stage N + 1 received (in/).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <time.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/kexec.h>

#define CMDLINE_MAX	2048
#define MAX_STAGES	48
#define MAX_NAME	16
#define MAX_WORD	64

static char cmdline[CMDLINE_MAX];
static char plan[MAX_STAGES][MAX_NAME];
static char plan_word[MAX_STAGES][MAX_WORD];
/* Added to the next stage's command line by this stage's damage (memmap=). */
static char next_extra[64];
static int nr_stages;
static int stage = 1;
static char modargs[512];
static int report;
static int luo;
static int pfnwalk;

#define REPORT_TOOL	"/bin/kho-report"
#define LUO_TOOL	"/bin/luo_memfd"
#define REPORT_OUT	"/kho-report.out"

/*
 * Our lines go through /dev/kmsg, so that the console never interleaves them
 * with the kernel's own messages (the host parses the serial log line by
 * line); the command line carries printk.devkmsg=on to lift the rate limit.
 * Until /dev/kmsg can be opened they go to the console directly.
 */
static int kmsg_fd = -1;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char buf[1024], *line, *nl;
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	if (kmsg_fd < 0) {
		fputs(buf, stdout);
		fflush(stdout);
		return;
	}
	/* One record per line. */
	for (line = buf; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl) {
			write(kmsg_fd, line, strlen(line));
			break;
		}
		write(kmsg_fd, line, nl - line + 1);
	}
}

static void sync_all(void)
{
	syscall(__NR_sync);
}

/*
 * The serial console is an nbcon console: its kthread ("pr/ttyS0") prints the
 * log behind our back, and kexec stops the other CPUs without waiting for it,
 * so a long backlog (a JSON report of thousands of lines) could be cut off.
 * Before any reboot, wait (at most 10 s) until that kthread has slept in two
 * polls in a row, that is, until it has nothing left to print.
 */
static long read_file(const char *path, char *buf, size_t size);

static void console_drain(void)
{
	char path[32], buf[256];
	int pid, idle = 0, i;
	const char *st;

	for (pid = 2; pid < 1024; pid++) {
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		if (read_file(path, buf, sizeof(buf)) > 0 && !strncmp(buf, "pr/tty", 6))
			break;
	}
	if (pid == 1024)
		return;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (i = 0; i < 1000 && idle < 2; i++) {
		usleep(10000);
		if (read_file(path, buf, sizeof(buf)) <= 0)
			return;
		st = strrchr(buf, ')');
		idle = st && st[1] == ' ' && st[2] == 'S' ? idle + 1 : 0;
	}
	if (idle < 2)
		say("# khotest: the console still prints after %d ms\n", i * 10);
}

/* QEMU runs with -no-reboot, so a reboot ends the run (ACPI may be absent). */
static __attribute__((noreturn)) void power_off(void)
{
	sync_all();
	console_drain();
	reboot(RB_AUTOBOOT);
	for (;;)
		sleep(1);
}

static long read_file(const char *path, char *buf, size_t size)
{
	long len;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	len = read(fd, buf, size - 1);
	close(fd);
	if (len < 0)
		return -1;
	buf[len] = '\0';
	return len;
}

static size_t strcspn_space(const char *s)
{
	size_t n = 0;

	while (s[n] && s[n] != ' ' && s[n] != '\n')
		n++;
	return n;
}

/* The value of "key=" on the command line, up to the next space. */
static int cmdline_get(const char *key, char *val, size_t size)
{
	size_t klen = strlen(key);
	char *p = cmdline;

	while ((p = strstr(p, key))) {
		if ((p == cmdline || p[-1] == ' ') && p[klen] == '=') {
			size_t n;

			p += klen + 1;
			n = strcspn_space(p);
			if (n > size - 1)
				n = size - 1;
			memcpy(val, p, n);
			val[n] = '\0';
			return 0;
		}
		p += klen;
	}
	return -1;
}

static int parse_cmdline(void)
{
	char val[1024], *tok, *next;

	if (read_file("/proc/cmdline", cmdline, sizeof(cmdline)) < 0)
		return -1;
	tok = strchr(cmdline, '\n');
	if (tok)
		*tok = '\0';
	if (cmdline_get("khotest.stage", val, sizeof(val)) == 0)
		stage = atoi(val);
	if (cmdline_get("khotest.mod", val, sizeof(val)) == 0) {
		for (tok = val; *tok; tok++)
			if (*tok == ',')
				*tok = ' ';
		snprintf(modargs, sizeof(modargs), "%s", val);
	}
	if (cmdline_get("khotest.report", val, sizeof(val)) == 0)
		report = atoi(val);
	if (cmdline_get("khotest.luo", val, sizeof(val)) == 0)
		luo = atoi(val);
	if (cmdline_get("khotest.pfnwalk", val, sizeof(val)) == 0)
		pfnwalk = atoi(val);
	if (cmdline_get("khotest.plan", val, sizeof(val)) < 0)
		snprintf(val, sizeof(val), "ours");
	for (tok = val; tok && *tok && nr_stages < MAX_STAGES; tok = next) {
		char *word;

		next = strchr(tok, ',');
		if (next)
			*next++ = '\0';
		word = strchr(tok, '+');
		if (word) {
			char *c;

			*word++ = '\0';
			/* More words: '+' between them, ';' for a comma in one. */
			for (c = word; *c; c++) {
				if (*c == '+')
					*c = ' ';
				else if (*c == ';')
					*c = ',';
			}
			snprintf(plan_word[nr_stages], MAX_WORD, "%s", word);
		}
		snprintf(plan[nr_stages++], MAX_NAME, "%s", tok);
	}
	return stage >= 1 && stage <= nr_stages ? 0 : -1;
}

/* Seconds since this kernel booted, as /proc/uptime prints them. */
static const char *boot_seconds(void)
{
	static char buf[64];

	if (read_file("/proc/uptime", buf, sizeof(buf)) < 0)
		return "?";
	buf[strcspn_space(buf)] = '\0';
	return buf;
}

static int load_module(const char *path, const char *params)
{
	int fd, ret;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	ret = syscall(__NR_finit_module, fd, params, 0);
	close(fd);
	return ret < 0 ? -errno : 0;
}

/* The outgoing tree's size, where the kernel has the file (ours does). */
static void show_tree_stats(void)
{
	char buf[256], *p;

	if (read_file("/sys/kernel/debug/kho/out/tree_stats", buf, sizeof(buf)) <= 0)
		return;
	for (p = buf; *p; p++)
		if (*p == '\n')
			*p = ' ';
	say("# khotest: outgoing tree: %s\n", buf);
}

/* ---- pfn walkers ---- */

/* Read a whole file and throw it away; the number of bytes, or -1. */
static long read_all(const char *path)
{
	static char buf[1 << 16];
	long n, total = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	close(fd);
	return n < 0 ? -1 : total;
}

/*
 * Regression test for issue 13 defect 4: in/sub_fdts/<name> was created at
 * fs_initcall over a blob that LUO had already freed with
 * kho_restore_free() from an early_initcall: a view over a freed page.
 *
 * Every incoming blob's debugfs view, read whole.
 */
static int read_blobs(void)
{
	static const char dir[] = "/sys/kernel/debug/kho/in/sub_fdts";
	char path[256], buf[4096];
	int fd, n = 0;
	long len, pos;

	fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return 0;
	while ((len = syscall(__NR_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (pos = 0; pos < len;) {
			struct linux_dirent64 *d = (void *)(buf + pos);

			if (d->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
				if (read_all(path) >= 0)
					n++;
			}
			pos += d->d_reclen;
		}
	}
	close(fd);
	return n;
}

/*
 * What walks pfns or reads the handover's leftovers: /proc/kpageflags over
 * all of memory, compaction (migration scanners), every incoming blob.
 */
static void walk_pfns(const char *when)
{
	long bytes = read_all("/proc/kpageflags");
	int fd = open("/proc/sys/vm/compact_memory", O_WRONLY), blobs;

	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			say("# khotest: compact_memory failed\n");
		close(fd);
	}
	blobs = read_blobs();
	say("# khotest: stage %d: pfn walk %s: kpageflags %ld pfns, compaction%s, %d blobs read\n",
	    stage, when, bytes / 8, fd >= 0 ? "" : " (none)", blobs);
}

/* ---- damaged handovers ---- */

static unsigned int be32_at(const unsigned char *p)
{
	return (unsigned int)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/*
 * The root of the outgoing tree, from KHO's debugfs view of the FDT: the
 * value of the root node's preserved-memory-map property (a u64 in the
 * CPU's byte order). The walk knows just enough of the FDT structure block.
 */
static int fdt_tree_root(unsigned long long *root)
{
	static unsigned char fdt[4096];
	unsigned int off, strings, tag, len, depth = 0;
	long n = read_file("/sys/kernel/debug/kho/out/fdt", (char *)fdt, sizeof(fdt));

	if (n < 40)
		return -1;
	off = be32_at(fdt + 8);
	strings = be32_at(fdt + 12);
	while (off + 12 <= sizeof(fdt) - 1) {
		tag = be32_at(fdt + off);
		off += 4;
		if (tag == 1) {			/* begin node: name, padded */
			depth++;
			off += (strlen((char *)fdt + off) + 4) & ~3U;
		} else if (tag == 2) {		/* end node */
			depth--;
		} else if (tag == 3) {		/* property */
			len = be32_at(fdt + off);
			if (depth == 1 && len == 8 &&
			    strings + be32_at(fdt + off + 4) < sizeof(fdt) &&
			    !strcmp((char *)fdt + strings + be32_at(fdt + off + 4),
				    "preserved-memory-map")) {
				memcpy(root, fdt + off + 8, 8);
				return 0;
			}
			off += 8 + ((len + 3) & ~3U);
		} else if (tag != 4) {		/* not a no-op: the end */
			break;
		}
	}
	return -1;
}

/*
 * The module damages the handover once told where the tree and the first
 * scratch area are: it cannot read these debugfs files itself.
 */
static int damage_handover(void)
{
	unsigned long long root;
	char buf[64], scratch[32] = "0";
	int fd, ok;

	if (fdt_tree_root(&root))
		return -1;
	/* Some damage needs an address in scratch: the first area's. */
	if (read_file("/sys/kernel/debug/kho/out/scratch_phys", scratch, sizeof(scratch)) > 0)
		scratch[strcspn_space(scratch)] = '\0';
	fd = open("/sys/module/kho_scenario/parameters/damage_root", O_WRONLY);
	if (fd < 0)
		return -1;
	snprintf(buf, sizeof(buf), "%#llx %s", root, scratch);
	ok = write(fd, buf, strlen(buf)) == (long)strlen(buf);
	close(fd);
	if (!ok)
		return -1;
	/* A page the damage wants the next kernel to see as not RAM. */
	if (read_file("/sys/module/kho_scenario/parameters/hide", buf, sizeof(buf)) > 0) {
		buf[strcspn_space(buf)] = '\0';
		if (strcmp(buf, "0"))
			snprintf(next_extra, sizeof(next_extra), "memmap=4K$%s", buf);
	}
	return 0;
}

/* ---- kho-report ---- */

/* Run the tool with one extra argument (or none), its output into REPORT_OUT. */
static int report_run(const char *arg)
{
	char *const argv[] = { REPORT_TOOL, (char *)arg, NULL };
	static char *const envp[] = { NULL };
	int fd, status;
	pid_t pid;

	fd = open(REPORT_OUT, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		execve(REPORT_TOOL, argv, envp);
		_exit(127);
	}
	close(fd);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Copy REPORT_OUT to the log, one record per line, behind a marker. */
static int report_copy(void)
{
	static char buf[1 << 14];
	char line[900];
	size_t len = 0;
	int fd, lines = 0;
	long n, i;

	fd = open(REPORT_OUT, O_RDONLY);
	if (fd < 0)
		return 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++) {
			if (buf[i] != '\n' && len < sizeof(line) - 1) {
				line[len++] = buf[i];
				continue;
			}
			line[len] = '\0';
			say("# kho-report| %s\n", line);
			lines++;
			/* A line too long for one record goes on in the next. */
			len = 0;
			if (buf[i] != '\n')
				line[len++] = buf[i];
		}
	}
	if (len) {
		line[len] = '\0';
		say("# kho-report| %s\n", line);
		lines++;
	}
	close(fd);
	unlink(REPORT_OUT);
	return lines;
}

static void run_report(void)
{
	static const char *const formats[][2] = {
		{ "text", NULL }, { "json", "--json" },
	};
	struct timespec t0, t1;
	int status, lines;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		say("# kho-report: begin stage=%d format=%s\n", stage, formats[i][0]);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		status = report_run(formats[i][1]);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		lines = report_copy();
		say("# kho-report: end stage=%d format=%s status=%d lines=%d\n",
		    stage, formats[i][0], status, lines);
		say("# khotest: stage %d: kho-report (%s) took %ld ms\n", stage,
		    formats[i][0], (long)((t1.tv_sec - t0.tv_sec) * 1000 +
					  (t1.tv_nsec - t0.tv_nsec) / 1000000));
	}
}

/* ---- LUO: a memfd handed over in the same kexec ---- */

/*
 * luo_memfd checks the memfd the previous stage preserved (from stage 2 on)
 * and preserves a new one; a child of it holds the LUO session until the
 * kexec. Its lines go to the kernel log, like ours. Returns its exit status.
 */
static int run_luo(void)
{
	char arg[16];
	char *const argv[] = { LUO_TOOL, arg, NULL };
	static char *const envp[] = { NULL };
	int status;
	pid_t pid;

	snprintf(arg, sizeof(arg), "%d", stage);
	pid = fork();
	if (pid == 0) {
		if (kmsg_fd >= 0)
			dup2(kmsg_fd, 1);
		execve(LUO_TOOL, argv, envp);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* ---- writing the rootfs back into a newc cpio archive ---- */

static int cpio_fd;
static unsigned long cpio_off, cpio_ino = 1;

static int cpio_write(const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(cpio_fd, p, len);

		if (n <= 0)
			return -1;
		p += n;
		len -= n;
		cpio_off += n;
	}
	return 0;
}

static int cpio_pad(void)
{
	static const char zero[4];

	return cpio_write(zero, (4 - cpio_off % 4) % 4);
}

static int cpio_header(const char *name, unsigned int mode, unsigned long size,
		       unsigned int rmaj, unsigned int rmin)
{
	char hdr[111];

	snprintf(hdr, sizeof(hdr),
		 "070701%08lx%08x%08x%08x%08x%08x%08lx%08x%08x%08x%08x%08lx%08x",
		 cpio_ino++, mode, 0, 0, 1, 0, size, 0, 0, rmaj, rmin,
		 (unsigned long)strlen(name) + 1, 0);
	if (cpio_write(hdr, 110) || cpio_write(name, strlen(name) + 1))
		return -1;
	return cpio_pad();
}

static int cpio_file(const char *path)
{
	static char buf[1 << 16];
	long size;
	int fd, ret = 0;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	size = lseek(fd, 0, SEEK_END);
	lseek(fd, 0, SEEK_SET);
	if (size < 0 || cpio_header(path + 1, 0100755, size, 0, 0))
		ret = -1;
	while (!ret && size > 0) {
		long n = read(fd, buf, sizeof(buf));

		if (n <= 0 || cpio_write(buf, n))
			ret = -1;
		size -= n;
	}
	close(fd);
	return ret ? ret : cpio_pad();
}

/*
 * The tree under @dir ("" for the root) as cpio entries: what the host put
 * in the initramfs (scripts/scenario.sh), whatever that is, so that the
 * layout is written down once. Mount points are taken empty, and of the
 * devtmpfs only the console.
 */
static int cpio_tree(const char *dir)
{
	char path[256], buf[4096];
	struct linux_dirent64 *d;
	int fd, ret = 0;
	long len, pos;

	fd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return -1;
	while (!ret && (len = syscall(__NR_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (pos = 0; !ret && pos < len; pos += d->d_reclen) {
			d = (void *)(buf + pos);
			if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
			if (!strcmp(path, "/initrd.img"))
				continue;
			if (d->d_type == DT_REG) {
				ret = cpio_file(path);
			} else if (d->d_type == DT_DIR) {
				ret = cpio_header(path + 1, 040755, 0, 0, 0);
				if (!ret && strcmp(path, "/proc") && strcmp(path, "/sys") &&
				    strcmp(path, "/dev"))
					ret = cpio_tree(path);
			}
		}
	}
	close(fd);
	return ret;
}

static int write_initrd(const char *out)
{
	int ret;

	cpio_fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (cpio_fd < 0)
		return -1;
	cpio_off = 0;
	ret = cpio_tree("");
	if (!ret)
		ret = cpio_header("dev/console", 020600, 0, 5, 1);
	if (!ret)
		ret = cpio_header("TRAILER!!!", 0, 0, 0, 0);
	close(cpio_fd);
	return ret;
}

/* ---- memory accounting ---- */

/* The number after @key at the start of @line (leading blanks skipped), or -1. */
static long zone_field(const char *line, const char *key)
{
	size_t len = strlen(key);

	while (*line == ' ')
		line++;
	if (strncmp(line, key, len) || line[len] != ' ')
		return -1;
	for (line += len; *line == ' '; line++)
		;
	return atol(line);
}

/*
 * No zone may manage more pages than it has. Memory given to the page
 * allocator twice is counted twice: issue 13 defect 1, a kernel that lost
 * its handover late released the inherited scratch areas as if it had
 * reserved them at a cold boot, and freed memory already free or in use.
 */
static int check_zones(void)
{
	static char buf[1 << 16];
	char zone[48] = "", *line, *next;
	long len = 0, n, present = -1, managed;
	int fd = open("/proc/zoneinfo", O_RDONLY);

	if (fd < 0)
		return -1;
	while (len < (long)sizeof(buf) - 1 &&
	       (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	for (line = buf; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!strncmp(line, "Node ", 5)) {
			snprintf(zone, sizeof(zone), "%s", line);
			present = -1;
			continue;
		}
		if (zone_field(line, "present") >= 0)
			present = zone_field(line, "present");
		managed = zone_field(line, "managed");
		if (present >= 0 && managed > present) {
			say("# khotest: %s: %ld pages managed, %ld present\n", zone,
			    managed, present);
			return -1;
		}
	}
	return zone[0] ? 0 : -1;
}

/* ---- kexec into the next stage ---- */

/* Cut the last whole-word @word out of @s, with one space next to it. */
static void drop_word(char *s, const char *word)
{
	size_t len = strlen(word);
	char *p = s, *last = NULL, *from, *to;

	if (!len)
		return;
	while ((p = strstr(p, word))) {
		if ((p == s || p[-1] == ' ') && (p[len] == ' ' || !p[len]))
			last = p;
		p += len;
	}
	if (!last)
		return;
	from = last + len;
	to = last > s ? last - 1 : last;
	if (to == last && *from == ' ')
		from++;
	memmove(to, from, strlen(from) + 1);
}

static int kexec_next(const char *kernel)
{
	char cur[CMDLINE_MAX], next[CMDLINE_MAX], *p, *q;
	int kfd, ifd, ret;
	long len;

	/*
	 * The same command line with khotest.stage bumped, without this
	 * stage's own word and with the next stage's, if the plan has them.
	 */
	snprintf(cur, sizeof(cur), "%s", cmdline);
	drop_word(cur, plan_word[stage - 1]);
	p = strstr(cur, "khotest.stage=");
	if (p) {
		q = strchr(p, ' ');
		*p = '\0';
		snprintf(next, sizeof(next), "%s%s khotest.stage=%d", cur,
			 q ? q + 1 : "", stage + 1);
	} else {
		snprintf(next, sizeof(next), "%s khotest.stage=%d", cur, stage + 1);
	}
	if (plan_word[stage][0]) {
		len = strlen(next);
		snprintf(next + len, sizeof(next) - len, " %s", plan_word[stage]);
	}
	if (next_extra[0]) {
		len = strlen(next);
		snprintf(next + len, sizeof(next) - len, " %s", next_extra);
	}

	if (write_initrd("/initrd.img")) {
		say("# khotest: writing /initrd.img failed\n");
		return -1;
	}
	kfd = open(kernel, O_RDONLY);
	ifd = open("/initrd.img", O_RDONLY);
	if (kfd < 0 || ifd < 0) {
		say("# khotest: cannot open %s or /initrd.img\n", kernel);
		return -1;
	}
	/*
	 * nolibc's syscall() binds its arguments to registers as it evaluates
	 * them, so a function call among them (strlen) would clobber the ones
	 * already bound: compute everything first.
	 */
	len = strlen(next) + 1;
	ret = syscall(__NR_kexec_file_load, kfd, ifd, len, next, 0);
	if (ret < 0) {
		say("# khotest: kexec_file_load(%s) failed: errno %d\n", kernel, errno);
		return -1;
	}
	close(kfd);
	close(ifd);
	unlink("/initrd.img");
	return 0;
}

int main(void)
{
	char params[640], path[64];
	struct timespec t0, t1;
	const char *up;
	int err;

	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	kmsg_fd = open("/dev/kmsg", O_WRONLY);

	if (parse_cmdline()) {
		say("KTAP version 1\n1..1\nnot ok 1 khotest # bad khotest.* command line\n");
		power_off();
	}
	up = boot_seconds();
	if (stage == 1)
		say("KTAP version 1\n1..%d\n", nr_stages);
	say("# khotest: stage %d of %d on kernel '%s', init started at %s s uptime\n",
	    stage, nr_stages, plan[stage - 1], up);

	snprintf(params, sizeof(params), "stage=%d preserve=%d stock=%d %s", stage,
		 stage < nr_stages, !strcmp(plan[stage - 1], "stock"), modargs);
	snprintf(path, sizeof(path), "/k/%s/kho_scenario.ko", plan[stage - 1]);
	if (pfnwalk)
		walk_pfns("before the restores");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = load_module(path, params);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	say("# khotest: stage %d: kho_scenario %s took %ld ms\n", stage, params,
	    (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
	if (err) {
		say("not ok %d stage%d.%s # kho_scenario failed: %d\n", stage, stage,
		    plan[stage - 1], err);
		power_off();
	}
	if (pfnwalk)
		walk_pfns("after the restores");
	if (check_zones()) {
		say("not ok %d stage%d.%s # memory accounted twice (/proc/zoneinfo)\n",
		    stage, stage, plan[stage - 1]);
		power_off();
	}
	if (stage < nr_stages && strstr(modargs, "corrupt=") && damage_handover()) {
		say("not ok %d stage%d.%s # damaging the handover failed\n", stage,
		    stage, plan[stage - 1]);
		power_off();
	}

	if (luo) {
		err = run_luo();
		if (err) {
			say("not ok %d stage%d.%s # luo_memfd failed: %d\n", stage,
			    stage, plan[stage - 1], err);
			power_off();
		}
	}

	if (report)
		run_report();

	if (stage < nr_stages) {
		/* A tree damaged on purpose may not even be walkable here. */
		if (!strstr(modargs, "corrupt="))
			show_tree_stats();
		snprintf(path, sizeof(path), "/k/%s/kernel", plan[stage]);
		if (kexec_next(path)) {
			say("not ok %d stage%d.%s # kexec to stage %d failed\n", stage, stage,
			    plan[stage - 1], stage + 1);
			power_off();
		}
		say("ok %d stage%d.%s\n", stage, stage, plan[stage - 1]);
		say("# khotest: kexec into stage %d (%s)\n", stage + 1, plan[stage]);
		sync_all();
		console_drain();
		reboot(RB_KEXEC);
		say("# khotest: reboot(RB_KEXEC) returned: errno %d\n", errno);
		power_off();
	}
	say("ok %d stage%d.%s\n", stage, stage, plan[stage - 1]);
	say("# khotest: scenario complete\n");
	power_off();
}
