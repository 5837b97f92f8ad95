/* execve: the errors (ENOENT, EACCES for a directory and for a file without
 * x permission, ENOEXEC for garbage and for an ELF of another machine,
 * EFAULT for bad pointers), and what a successful execve of ourselves
 * passes on: argv and envp exactly (empty strings, a long one), AT_EXECFN,
 * the same pid, close-on-exec descriptors closed and others kept, caught
 * signals reset to SIG_DFL while ignored ones stay ignored, the blocked
 * mask kept, and none of the old mappings left.
 *
 * The new image writes what it saw as "key=value" lines to fd 3 (a pipe
 * without close-on-exec); the parent prints the checks, so the same lines
 * come out whether or not the execve worked. */
#include "check.h"

#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096UL
#define REPORT_FD 3
#define CLOEXEC_FD 4
#define KEPT_FD 5

extern char** environ;
static char long_arg[3000];

static void fill_long_arg(void) {
  for (size_t i = 0; i < sizeof long_arg - 1; i++) long_arg[i] = (char)('a' + i % 26);
}

/* ---- the new image ----------------------------------------------------------- */

static void report(const char* key, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(const char* key, const char* fmt, ...) {
  char buf[256];
  int n = snprintf(buf, sizeof buf, "%s=", key);
  va_list ap;
  va_start(ap, fmt);
  n += vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
  va_end(ap);
  buf[n++] = '\n';
  (void)!write(REPORT_FD, buf, (size_t)n);
}

/* argv: exec child PID ADDR "two words" "" LONG */
static int child_image(int argc, char** argv) {
  fill_long_arg();
  report("argc", "%d", argc);
  report("argv", "%s",
         argc == 7 && !strcmp(argv[4], "two words") && argv[5][0] == 0 && !strcmp(argv[6], long_arg) ? "exact"
                                                                                                     : "different");
  int envs = 0, env_ok = 0;
  for (char** e = environ; *e; e++, envs++) env_ok += !strcmp(*e, "A=1") || !strcmp(*e, "EMPTY=");
  report("envp", "%s", envs == 2 && env_ok == 2 ? "exact" : "different");
  const char* execfn = (const char*)getauxval(AT_EXECFN);
  report("execfn", "%s", execfn && !strcmp(execfn, argv[0]) ? "the path given to execve" : "other");
  report("pid", "%s", atol(argv[2]) == getpid() ? "same" : "different");
  report("cloexec_fd", "%s", fcntl(CLOEXEC_FD, F_GETFD) < 0 && errno == EBADF ? "closed" : "open");
  report("kept_fd", "%s", fcntl(KEPT_FD, F_GETFD) == 0 ? "open" : "closed");
  struct sigaction sa;
  sigaction(SIGUSR1, NULL, &sa);
  report("caught_signal", "%s", sa.sa_handler == SIG_DFL ? "SIG_DFL" : "not SIG_DFL");
  sigaction(SIGUSR2, NULL, &sa);
  report("ignored_signal", "%s", sa.sa_handler == SIG_IGN ? "SIG_IGN" : "not SIG_IGN");
  sigset_t mask;
  sigprocmask(SIG_BLOCK, NULL, &mask);
  report("blocked_mask", "%s", sigismember(&mask, SIGUSR1) ? "kept" : "cleared");
  /* The old image's mapping at ADDR is gone: msync of an unmapped range fails with ENOMEM. */
  void* old = (void*)strtoul(argv[3], NULL, 16);
  report("old_mapping", "%s", msync(old, PG, MS_ASYNC) < 0 && errno == ENOMEM ? "gone" : "still there");
  return 0;
}

/* ---- the parent ---------------------------------------------------------------- */

/* Writes a file of the given bytes and mode; returns 0 or -1. */
static int make_file(const char* path, const void* data, size_t len, mode_t mode) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (fd < 0) return -1;
  int ok = write(fd, data, len) == (ssize_t)len;
  return close(fd) == 0 && ok && chmod(path, mode) == 0 ? 0 : -1;
}

static void on_usr1(int sig) { (void)sig; }

static char* exec_args[] = {"x", NULL};
static char* exec_env[] = {NULL};

/* execve in a child, so that a success cannot replace us; returns the errno (0: it ran). */
static int exec_errno(const char* path, char* const* argv, char* const* envp) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    execve(path, argv, envp);
    int e = errno;
    (void)!write(p[1], &e, sizeof e);
    _exit(127);
  }
  close(p[1]);
  int e = 0;
  if (read(p[0], &e, sizeof e) != sizeof e) e = 0;
  close(p[0]);
  int st;
  waitpid(pid, &st, 0);
  return e;
}

static void check_exec_errno(const char* name, const char* path, char* const* argv, char* const* envp, int want) {
  int e = exec_errno(path, argv, envp);
  check_errno(name, e ? -1 : 0, e, want);
}

/* The value of key in the child's report, or missing. */
static const char* lookup(const char* report, const char* key, char* out, size_t size, const char* missing) {
  size_t klen = strlen(key);
  for (const char* p = report; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
    if (!strncmp(p, key, klen) && p[klen] == '=') {
      const char* v = p + klen + 1;
      size_t n = strcspn(v, "\n");
      snprintf(out, size, "%.*s", (int)(n < size - 1 ? n : size - 1), v);
      return out;
    }
  }
  return missing;
}

static void check_report(const char* report, const char* name, const char* key, const char* want) {
  char buf[128];
  const char* got = lookup(report, key, buf, sizeof buf, "no report");
  check_line(!strcmp(got, want), name, got, want);
}

int main(int argc, char** argv) {
  if (argc > 1 && !strcmp(argv[1], "child")) return child_image(argc, argv);
  fill_long_arg();

  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) self[n] = 0;
  else snprintf(self, sizeof self, "%s", argv[0]);

  const char* tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  mkdir(tmpdir, 01777);
  char dir[256];
  snprintf(dir, sizeof dir, "%s/exec-test-XXXXXX", tmpdir);
  check_true("a scratch directory", mkdtemp(dir) != NULL);
  char garbage[300], noexec[300], foreign[300], truncated[300];
  snprintf(garbage, sizeof garbage, "%s/garbage", dir);
  snprintf(noexec, sizeof noexec, "%s/noexec", dir);
  snprintf(foreign, sizeof foreign, "%s/foreign", dir);
  snprintf(truncated, sizeof truncated, "%s/truncated", dir);

  /* An ELF header for x86-64: right magic, another machine. */
  Elf64_Ehdr eh;
  memset(&eh, 0, sizeof eh);
  memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = ET_EXEC;
  eh.e_machine = EM_X86_64;
  eh.e_version = EV_CURRENT;
  eh.e_ehsize = sizeof eh;
  eh.e_phentsize = sizeof(Elf64_Phdr);
  static const char text[] = "this is not a program\n";
  check_true("test files written", make_file(garbage, text, sizeof text - 1, 0755) == 0 &&
                                        make_file(noexec, text, sizeof text - 1, 0644) == 0 &&
                                        make_file(foreign, &eh, sizeof eh, 0755) == 0 &&
                                        make_file(truncated, &eh, 16, 0755) == 0);

  check_exec_errno("execve of a missing file", "/nonexistent/program", exec_args, exec_env, ENOENT);
  check_exec_errno("execve of a directory", dir, exec_args, exec_env, EACCES);
  check_exec_errno("execve of a file without x permission", noexec, exec_args, exec_env, EACCES);
  check_exec_errno("execve of text with x permission", garbage, exec_args, exec_env, ENOEXEC);
  check_exec_errno("execve of an x86-64 ELF", foreign, exec_args, exec_env, ENOEXEC);
  check_exec_errno("execve of 16 bytes of ELF header", truncated, exec_args, exec_env, ENOEXEC);
  check_exec_errno("execve with a NULL path", NULL, exec_args, exec_env, EFAULT);
  check_exec_errno("execve with a kernel-address path", (const char*)0xffffffc000000000UL, exec_args, exec_env,
                   EFAULT);
  check_exec_errno("execve with a bad argv pointer", self, (char* const*)16, exec_env, EFAULT);
  check_exec_errno("execve with a bad argv[1]", self, (char* const[]){"x", (char*)16, NULL}, exec_env, EFAULT);
  check_exec_errno("execve with a bad envp pointer", self, exec_args, (char* const*)16, EFAULT);

  /* The successful execve of ourselves. */
  int rep[2];
  CHECK_SYS("pipe for the report", pipe(rep), 0);
  pid_t pid = fork();
  if (pid == 0) {
    /* fds: 3 the report pipe, 4 close-on-exec, 5 kept */
    if (dup2(rep[1], REPORT_FD) < 0 || dup2(0, CLOEXEC_FD) < 0 || dup2(0, KEPT_FD) < 0) _exit(120);
    if (fcntl(CLOEXEC_FD, F_SETFD, FD_CLOEXEC) < 0) _exit(121);
    signal(SIGUSR1, on_usr1);  /* a handler: it must not survive the exec */
    signal(SIGUSR2, SIG_IGN);
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    sigprocmask(SIG_BLOCK, &m, NULL);
    void* old = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char pidbuf[32], addr[32];
    snprintf(pidbuf, sizeof pidbuf, "%d", (int)getpid());
    snprintf(addr, sizeof addr, "%lx", (unsigned long)old);
    char* args[] = {self, "child", pidbuf, addr, "two words", "", long_arg, NULL};
    char* env[] = {"A=1", "EMPTY=", NULL};
    execve(self, args, env);
    char msg[64];
    int len = snprintf(msg, sizeof msg, "execve=%s\n", errname(errno));
    (void)!write(REPORT_FD, msg, (size_t)len);
    _exit(127);
  }
  close(rep[1]);
  static char report_text[4096];
  size_t got = 0;
  for (ssize_t r; got < sizeof report_text - 1 && (r = read(rep[0], report_text + got, sizeof report_text - 1 - got)) > 0;)
    got += (size_t)r;
  report_text[got] = 0;
  close(rep[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  char why[64];
  const char* exec_err = lookup(report_text, "execve", why, sizeof why, "worked");
  check_line(!strcmp(exec_err, "worked"), "execve of ourselves", exec_err, "worked");
  check_line(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the new image exits 0",
             WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "yes" : "no", "yes");
  check_report(report_text, "new image: argc", "argc", "7");
  check_report(report_text, "new image: argv strings (empty, blanks, 2999 bytes)", "argv", "exact");
  check_report(report_text, "new image: envp strings", "envp", "exact");
  check_report(report_text, "new image: AT_EXECFN", "execfn", "the path given to execve");
  check_report(report_text, "new image: pid", "pid", "same");
  check_report(report_text, "new image: close-on-exec fd", "cloexec_fd", "closed");
  check_report(report_text, "new image: other fd", "kept_fd", "open");
  check_report(report_text, "new image: caught signal", "caught_signal", "SIG_DFL");
  check_report(report_text, "new image: ignored signal", "ignored_signal", "SIG_IGN");
  check_report(report_text, "new image: blocked mask", "blocked_mask", "kept");
  check_report(report_text, "new image: old mapping", "old_mapping", "gone");

  unlink(garbage);
  unlink(noexec);
  unlink(foreign);
  unlink(truncated);
  rmdir(dir);
  return check_summary("exec");
}
