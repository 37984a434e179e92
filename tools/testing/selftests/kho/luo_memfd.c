// SPDX-License-Identifier: GPL-2.0
/*
 * luo_memfd: the LUO half of a scenario where KHO and LUO hand memory over
 * in the same kexec.
 *
 *   luo_memfd 1   create a LUO session, preserve a memfd filled with a
 *                 pattern in it, and leave a child process holding the
 *                 session open (LUO preserves only what is still open at
 *                 the kexec); exit 0 once the memfd is preserved.
 *   luo_memfd N   (N > 1) retrieve the session and the memfd the previous
 *                 kernel preserved, check every byte, finish the session;
 *                 exit 0 if all is well. Then preserve a new memfd the same
 *                 way for the next kernel.
 *
 * Meanwhile the kho_scenario module preserves its own set through the KHO
 * API: both must survive. Built static with nolibc, like kho_init.c, and
 * started by it when the plan asks for LUO (khotest.luo=1).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/liveupdate.h>

#define LUO_SESSION	"kho-scenario-luo"
#define LUO_TOKEN	0x4b484fULL
#define LUO_BYTES	(4UL << 20)
#define LUO_CHUNK	4096

static char buf[LUO_CHUNK];

/* One write per line: stdout may be /dev/kmsg, one record per write. */
static void say(const char *what, long val)
{
	char line[160];
	int len;

	len = snprintf(line, sizeof(line), "luo_memfd: %s %ld\n", what, val);
	if (len > 0)
		write(1, line, len < (int)sizeof(line) ? len : (int)sizeof(line) - 1);
}

/* Byte @i of the pattern the memfd of stage @stage holds. */
static unsigned char luo_byte(unsigned long i, unsigned int stage)
{
	unsigned long x = (i / 8) * 0x9e3779b97f4a7c15UL + stage;

	return x >> ((i % 8) * 8);
}

static int luo_fill(int fd, unsigned int stage)
{
	unsigned long off, i;

	for (off = 0; off < LUO_BYTES; off += LUO_CHUNK) {
		for (i = 0; i < LUO_CHUNK; i++)
			buf[i] = luo_byte(off + i, stage);
		if (write(fd, buf, LUO_CHUNK) != LUO_CHUNK)
			return -1;
	}
	return 0;
}

static int luo_check(int fd, unsigned int stage)
{
	unsigned long off, i;

	if (lseek(fd, 0, SEEK_SET) != 0)
		return -1;
	for (off = 0; off < LUO_BYTES; off += LUO_CHUNK) {
		if (read(fd, buf, LUO_CHUNK) != LUO_CHUNK)
			return -1;
		for (i = 0; i < LUO_CHUNK; i++) {
			if ((unsigned char)buf[i] != luo_byte(off + i, stage)) {
				say("mismatch at byte", off + i);
				return -1;
			}
		}
	}
	return 0;
}

/* Retrieve and check what stage @stage - 1 preserved. */
static int luo_verify(int dev, unsigned int stage)
{
	struct liveupdate_ioctl_retrieve_session rs = { .size = sizeof(rs) };
	struct liveupdate_session_retrieve_fd rf = { .size = sizeof(rf) };
	struct liveupdate_session_finish fin = { .size = sizeof(fin) };
	int err;

	strcpy((char *)rs.name, LUO_SESSION);
	if (ioctl(dev, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &rs) < 0) {
		say("cannot retrieve the session, errno", errno);
		return -1;
	}
	rf.token = LUO_TOKEN;
	if (ioctl(rs.fd, LIVEUPDATE_SESSION_RETRIEVE_FD, &rf) < 0) {
		say("cannot retrieve the memfd, errno", errno);
		return -1;
	}
	err = luo_check(rf.fd, stage - 1);
	if (err)
		say("memfd contents differ, stage", stage - 1);
	else
		say("memfd contents verified, bytes", LUO_BYTES);
	close(rf.fd);
	if (ioctl(rs.fd, LIVEUPDATE_SESSION_FINISH, &fin) < 0) {
		say("cannot finish the session, errno", errno);
		err = -1;
	}
	close(rs.fd);
	return err;
}

/* Preserve a new memfd for the next kernel, held open by a child. */
static int luo_preserve(int dev, unsigned int stage)
{
	struct liveupdate_ioctl_create_session cs = { .size = sizeof(cs) };
	struct liveupdate_session_preserve_fd pf = { .size = sizeof(pf) };
	int memfd;
	pid_t pid;

	strcpy((char *)cs.name, LUO_SESSION);
	if (ioctl(dev, LIVEUPDATE_IOCTL_CREATE_SESSION, &cs) < 0) {
		say("cannot create the session, errno", errno);
		return -1;
	}
	memfd = memfd_create("luo-scenario", 0);
	if (memfd < 0 || luo_fill(memfd, stage)) {
		say("cannot fill a memfd, errno", errno);
		return -1;
	}
	pf.fd = memfd;
	pf.token = LUO_TOKEN;
	if (ioctl(cs.fd, LIVEUPDATE_SESSION_PRESERVE_FD, &pf) < 0) {
		say("cannot preserve the memfd, errno", errno);
		return -1;
	}

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* Hold the session until the kexec takes this kernel away. */
		for (;;)
			sleep(3600);
	}
	say("memfd preserved, bytes", LUO_BYTES);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int stage = argc > 1 ? atoi(argv[1]) : 0;
	int dev, err = 0;

	if (!stage) {
		say("usage: luo_memfd STAGE; got", argc);
		return 2;
	}
	dev = open("/dev/liveupdate", O_RDWR);
	if (dev < 0) {
		say("cannot open /dev/liveupdate, errno", errno);
		return 1;
	}
	if (stage > 1)
		err = luo_verify(dev, stage);
	if (!err)
		err = luo_preserve(dev, stage);
	return err ? 1 : 0;
}
