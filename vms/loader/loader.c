// Static module loader that calls the module syscalls directly (no kmod, no libkmod):
//   loader init_module FILE [params]   read FILE into memory, init_module(2)
//   loader finit_module FILE [params]  finit_module(2) on an fd of FILE
//   loader delete_module NAME          delete_module(2) with O_NONBLOCK|O_TRUNC, as rmmod does
//   loader socket FAMILY               socket(FAMILY, SOCK_DGRAM, 0): for a family no module has registered the
//                                      kernel itself runs modprobe for net-pf-FAMILY (module autoloading)
// Exit status is 0 or the errno of the failed call.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int usage(void)
{
	fprintf(stderr, "usage: loader init_module FILE [params] | finit_module FILE [params] | delete_module NAME | socket FAMILY\n");
	return EINVAL;
}

static int fail(const char *what, const char *arg)
{
	int err = errno;
	fprintf(stderr, "loader: %s %s: %s\n", what, arg, strerror(err));
	return err ? err : 1;
}

static int do_init_module(const char *file, const char *params)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail("open", file);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return fail("stat", file);
	char *image = malloc(st.st_size ? st.st_size : 1);
	if (!image)
		return fail("malloc", file);
	off_t done = 0;
	while (done < st.st_size) {
		ssize_t n = read(fd, image + done, st.st_size - done);
		if (n < 0)
			return fail("read", file);
		if (n == 0)
			break;
		done += n;
	}
	close(fd);
	if (syscall(SYS_init_module, image, (unsigned long)done, params) != 0)
		return fail("init_module", file);
	free(image);
	return 0;
}

static int do_finit_module(const char *file, const char *params)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail("open", file);
	if (syscall(SYS_finit_module, fd, params, 0) != 0)
		return fail("finit_module", file);
	close(fd);
	return 0;
}

static int do_delete_module(const char *name)
{
	if (syscall(SYS_delete_module, name, O_NONBLOCK | O_TRUNC) != 0)
		return fail("delete_module", name);
	return 0;
}

static int do_socket(const char *family)
{
	char *end;
	errno = 0;
	long n = strtol(family, &end, 10);
	if (errno || end == family || *end || n < 0 || n > 255)
		return usage();
	int fd = socket((int)n, SOCK_DGRAM, 0);
	if (fd < 0)
		return fail("socket", family);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 4)
		return usage();
	const char *params = argc == 4 ? argv[3] : "";
	if (strcmp(argv[1], "init_module") == 0)
		return do_init_module(argv[2], params);
	if (strcmp(argv[1], "finit_module") == 0)
		return do_finit_module(argv[2], params);
	if (strcmp(argv[1], "delete_module") == 0 && argc == 3)
		return do_delete_module(argv[2]);
	if (strcmp(argv[1], "socket") == 0 && argc == 3)
		return do_socket(argv[2]);
	return usage();
}
