/* Credentials: the ids a process starts with (getuid family, auxv,
 * /proc/self/status), every set*id call from many starting states (the
 * results of each are one line, so a run on our kernel is compared with
 * Linux's answer for each of them), supplementary groups, file access
 * checks after dropping privileges (owner/group/other bits, directory
 * search, creation and the new file's owner, the sticky bit, access()'s
 * real ids against open's fs ids, execve), and kill's permission rule.
 * Must run as root (the reference run and init both are). */
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the ids a process starts with ---------------------------------------- */

/* The "Key:" line of /proc/self/status, without the key and tabs turned to spaces. */
static void status_line(const char* key, char* out, size_t size) {
  out[0] = 0;
  FILE* f = fopen("/proc/self/status", "r");
  if (!f) {
    snprintf(out, size, "no /proc/self/status");
    return;
  }
  char line[256];
  const size_t klen = strlen(key);
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, key, klen) || line[klen] != ':') continue;
    char* p = line + klen + 1;
    while (*p == '\t') p++;
    p[strcspn(p, "\n")] = 0;
    for (char* q = p; *q; q++)
      if (*q == '\t') *q = ' ';
    snprintf(out, size, "'%s'", p);
    break;
  }
  fclose(f);
}

static void status_is(const char* name, const char* key, const char* want) {
  char got[256];
  status_line(key, got, sizeof got);
  check_line(strcmp(got, want) == 0, name, got, want);
}

static void start_ids(void) {
  check_eq("getuid", getuid(), 0);
  check_eq("geteuid", geteuid(), 0);
  check_eq("getgid", getgid(), 0);
  check_eq("getegid", getegid(), 0);
  uid_t r = 9, e = 9, s = 9;
  check_eq("getresuid", getresuid(&r, &e, &s) == 0 && r == 0 && e == 0 && s == 0, 1);
  check_eq("AT_UID", (long)getauxval(AT_UID), 0);
  check_eq("AT_EUID", (long)getauxval(AT_EUID), 0);
  check_eq("AT_GID", (long)getauxval(AT_GID), 0);
  check_eq("AT_EGID", (long)getauxval(AT_EGID), 0);
  check_eq("AT_SECURE", (long)getauxval(AT_SECURE), 0);
  status_is("/proc/self/status Uid", "Uid", "'0 0 0 0'");
  status_is("/proc/self/status Gid", "Gid", "'0 0 0 0'");
  /* Not an id, but /proc/self/status shows it next to them. */
  const mode_t old_mask = umask(027);
  status_is("/proc/self/status Umask after umask(027)", "Umask", "'0027'");
  umask(old_mask);
  CHECK_SYS("getresuid with a bad pointer", syscall(148, (void*)8, &e, &s), EFAULT);
}

/* ---- set*id from many states ------------------------------------------------
 * Ids come from {0, 1, 2} and arguments from {-1, 0, 1, 2}. A vforked child
 * enters the state as root with setresuid/setresgid (then drops to an
 * unprivileged euid for the gid calls), makes one call and reports in its
 * exit status: 0-80 the new real/effective/saved/fs ids in base 3,
 * 100 + errno on failure, 200+ when setting up the state failed. */

enum { K_SETUID, K_SETREUID, K_SETRESUID, K_SETFSUID, K_SETGID, K_SETREGID, K_SETRESGID, K_SETFSGID };
static const char* const kind_name[] = {"setuid",   "setreuid", "setresuid", "setfsuid",
                                        "setgid",   "setregid", "setresgid", "setfsgid"};
static const int kind_args[] = {1, 2, 3, 1, 1, 2, 3, 1};

static int encode_ids(unsigned a, unsigned b, unsigned c, unsigned d) {
  if (a > 2 || b > 2 || c > 2 || d > 2) return 99;
  return ((a * 3 + b) * 3 + c) * 3 + d;
}

static int probe(int kind, const int st[3], int euid, const int arg[3]) {
  pid_t pid = vfork();
  if (pid == 0) {
    int ret;
    if (kind >= K_SETGID) {
      if (setresgid(st[0], st[1], st[2]) || setresuid(euid, euid, euid)) _exit(200);
    } else if (setresuid(st[0], st[1], st[2])) {
      _exit(201);
    }
    errno = 0;
    switch (kind) {
      case K_SETUID: ret = setuid(arg[0]); break;
      case K_SETREUID: ret = setreuid(arg[0], arg[1]); break;
      case K_SETRESUID: ret = setresuid(arg[0], arg[1], arg[2]); break;
      case K_SETFSUID: ret = (setfsuid(arg[0]) == st[1]) ? 0 : -1; errno = 0; break;
      case K_SETGID: ret = setgid(arg[0]); break;
      case K_SETREGID: ret = setregid(arg[0], arg[1]); break;
      case K_SETRESGID: ret = setresgid(arg[0], arg[1], arg[2]); break;
      default: ret = (setfsgid(arg[0]) == st[1]) ? 0 : -1; errno = 0; break;
    }
    if (ret) _exit(errno ? 100 + errno : 202);
    unsigned a, b, c, fs;
    if (kind >= K_SETGID) {
      getresgid(&a, &b, &c);
      fs = setfsgid(-1);
    } else {
      getresuid(&a, &b, &c);
      fs = setfsuid(-1);
    }
    _exit(encode_ids(a, b, c, fs));
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return 255;
  return WEXITSTATUS(status);
}

/* One result: "rresf" ids as digits, "EPERM", or "?N". */
static void describe(int code, char* out, size_t size) {
  if (code <= 80)
    snprintf(out, size, "%d%d%d/%d", code / 27, code / 9 % 3, code / 3 % 3, code % 3);
  else if (code > 100 && code < 200)
    snprintf(out, size, "%s", errname(code - 100));
  else
    snprintf(out, size, "?%d", code);
}

static void explore(int kind, const int st[3], int euid) {
  static const int vals[] = {-1, 0, 1, 2};
  char line[2048], one[32];
  size_t len = 0;
  const int n = kind_args[kind];
  const int combos = n == 1 ? 4 : n == 2 ? 16 : 64;
  for (int i = 0; i < combos; i++) {
    const int arg[3] = {vals[i % 4], vals[i / 4 % 4], vals[i / 16 % 4]};
    describe(probe(kind, st, euid, arg), one, sizeof one);
    len += (size_t)snprintf(line + len, sizeof line - len, "%s%s", i ? " " : "", one);
  }
  char name[96];
  snprintf(name, sizeof name, "%s from %d,%d,%d%s", kind_name[kind], st[0], st[1], st[2],
           kind >= K_SETGID ? (euid ? " (euid 1)" : " (euid 0)") : "");
  /* Every failure must be EPERM or EINVAL and every success an id triple. */
  check_line(strstr(line, "?") == NULL, name, line, "only ids, EPERM and EINVAL");
}

static void id_rules(void) {
  for (int s = 0; s < 27; s++) {
    const int st[3] = {s / 9, s / 3 % 3, s % 3};
    for (int k = K_SETUID; k <= K_SETFSUID; k++) explore(k, st, 0);
    for (int k = K_SETGID; k <= K_SETFSGID; k++) explore(k, st, 1);
  }
  const int root_st[3] = {1, 2, 0};
  for (int k = K_SETGID; k <= K_SETFSGID; k++) explore(k, root_st, 0);
}

/* ---- supplementary groups ---------------------------------------------------- */

static void groups(void) {
  pid_t pid = fork();
  if (pid == 0) {
    check_total = check_failed = 0;
    gid_t set[] = {50, 7, 300, 7}, got[8] = {0};
    CHECK_SYS("setgroups of 4 (one twice)", setgroups(4, set), 0);
    long n = getgroups(0, NULL);
    check_eq("getgroups(0) counts them", n, 4);
    CHECK_SYS("getgroups into too small a list", getgroups(3, got), EINVAL);
    CHECK_SYS("getgroups with a negative size", syscall(SYS_getgroups, -1, got), EINVAL);
    CHECK_SYS("getgroups into a bad pointer", syscall(SYS_getgroups, 8, 8), EFAULT);
    n = getgroups(8, got);
    char buf[64];
    snprintf(buf, sizeof buf, "%ld: %u %u %u %u", n, got[0], got[1], got[2], got[3]);
    check_line(strcmp(buf, "4: 7 7 50 300") == 0, "getgroups sorted", buf, "4: 7 7 50 300");
    status_is("/proc/self/status Groups", "Groups", "'7 7 50 300 '");
    CHECK_SYS("setgroups of more than NGROUPS_MAX", setgroups(65537, set), EINVAL);
    CHECK_SYS("setgroups from a bad pointer", setgroups(2, (gid_t*)8), EFAULT);
    CHECK_SYS("setgroups of none", setgroups(0, NULL), 0);
    check_eq("getgroups after clearing", getgroups(0, NULL), 0);
    status_is("/proc/self/status Groups when none", "Groups", "' '");
    CHECK_SYS("setresuid 1000", setresuid(1000, 1000, 1000), 0);
    CHECK_SYS("setgroups unprivileged", setgroups(1, set), EPERM);
    _exit(check_failed ? 1 : 0);
  }
  int st;
  waitpid(pid, &st, 0);
  check_eq("groups child", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
}

/* /proc/self/status after set*id calls that leave every id different. */
static void status_after_changes(void) {
  pid_t pid = fork();
  if (pid == 0) {
    check_total = check_failed = 0;
    gid_t g[] = {9, 8};
    setgroups(2, g);
    setresgid(10, 11, 12);
    setfsgid(13);
    setresuid(1000, 1001, 0);
    setfsuid(0);
    status_is("status Uid after setresuid(1000,1001,0), setfsuid(0)", "Uid", "'1000 1001 0 0'");
    status_is("status Gid after setresgid(10,11,12), setfsgid(13)", "Gid", "'10 11 12 13'");
    status_is("status Groups", "Groups", "'8 9 '");
    check_eq("getuid", getuid(), 1000);
    check_eq("geteuid", geteuid(), 1001);
    check_eq("getgid", getgid(), 10);
    check_eq("getegid", getegid(), 11);
    _exit(check_failed ? 1 : 0);
  }
  int st;
  waitpid(pid, &st, 0);
  check_eq("status child", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
}

/* ---- file access --------------------------------------------------------------- */


/* Creates a file (as root) owned by uid:gid with mode. */
static void make_file(const char* name, int mode, int uid, int gid) {
  setfsuid(uid);
  setfsgid(gid);
  int fd = open(at(name), O_WRONLY | O_CREAT | O_EXCL, mode);
  if (fd >= 0) {
    if (write(fd, "data\n", 5) != 5) perror("write");
    close(fd);
  }
  setfsuid(0);
  setfsgid(0);
}

static void make_dir(const char* name, int mode, int uid, int gid) {
  setfsuid(uid);
  setfsgid(gid);
  mkdir(at(name), mode);
  setfsuid(0);
  setfsgid(0);
}

static long try_open(const char* name, int flags) {
  int fd = open(at(name), flags, 0640);
  if (fd >= 0) close(fd);
  return fd;
}

static long try_exec(const char* name) {
  char* argv[] = {"x", NULL};
  return execve(at(name), argv, argv + 1);
}

static void set_tree(void) {
  umask(0);
  check_make_dir("cred-test");
  make_file("f600", 0600, 0, 0);
  make_file("f644", 0644, 0, 0);
  make_file("f640g", 0640, 0, 1000);
  make_file("f000", 0000, 0, 0);
  make_file("f755", 0755, 0, 0);
  make_dir("d700", 0700, 0, 0);
  make_file("d700/x", 0644, 0, 0);
  make_dir("d711", 0711, 0, 0);
  make_file("d711/x", 0644, 0, 0);
  make_dir("d777", 0777, 0, 0);
  make_dir("d000", 0000, 0, 0);
  make_dir("sticky", 01777, 0, 0);
  make_file("sticky/root", 0666, 0, 0);
  make_file("sticky/user", 0666, 1000, 1000);
  make_dir("sgid", 02777, 0, 2000);
  make_dir("d777/own", 0755, 1000, 1000);
  make_file("d777/own/root", 0666, 0, 0);
}

static void root_access(void) {
  CHECK_SYS("root: open a 0000 file read-write", try_open("f000", O_RDWR), 0);
  CHECK_SYS("root: list a 0000 directory", try_open("d000", O_RDONLY | O_DIRECTORY), 0);
  CHECK_SYS("root: create in a 0000 directory", try_open("d000/new", O_WRONLY | O_CREAT), 0);
  CHECK_SYS("root: access X_OK of a 0644 file", access(at("f644"), X_OK), EACCES);
  CHECK_SYS("root: access R_OK|W_OK of a 0000 file", access(at("f000"), R_OK | W_OK), 0);
  CHECK_SYS("root: access X_OK of a directory 0000", access(at("d000"), X_OK), 0);
  CHECK_SYS("root: execve of a 0644 file", try_exec("f644"), EACCES);
  CHECK_SYS("root: execve of a directory", try_exec("d777"), EACCES);
  struct stat sb;
  check_eq("root-made file: uid 0 gid 1000 (setfsgid)", stat(at("f640g"), &sb) == 0 ? (long)sb.st_uid * 10000 + sb.st_gid : -1,
           1000);
  check_eq("directory made with fsgid 2000: group 2000", stat(at("sgid"), &sb) == 0 ? (long)sb.st_gid : -1, 2000);
  /* mkdir keeps only the permission bits and S_ISVTX of its mode. */
  check_eq("mkdir 02777 makes 0777", stat(at("sgid"), &sb) == 0 ? (long)(sb.st_mode & 07777) : -1, 0777);
  check_eq("mkdir 01777 makes 01777", stat(at("sticky"), &sb) == 0 ? (long)(sb.st_mode & 07777) : -1, 01777);
}

/* Runs fn in a child that is uid/gid 1000 (no groups); the child's checks count. */
static void as_user(void (*fn)(void), const char* what) {
  pid_t pid = fork();
  if (pid == 0) {
    check_total = check_failed = 0;
    if (setgroups(0, NULL) || setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000)) _exit(3);
    fn();
    _exit(check_failed ? 1 : 0);
  }
  int st;
  waitpid(pid, &st, 0);
  char name[96];
  snprintf(name, sizeof name, "%s: child", what);
  check_eq(name, WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
}

static void user_files(void) {
  CHECK_SYS("user: read a 0600 root file", try_open("f600", O_RDONLY), EACCES);
  CHECK_SYS("user: read a 0644 root file", try_open("f644", O_RDONLY), 0);
  CHECK_SYS("user: write a 0644 root file", try_open("f644", O_WRONLY), EACCES);
  CHECK_SYS("user: O_TRUNC a 0644 root file read-only", try_open("f644", O_RDONLY | O_TRUNC), EACCES);
  CHECK_SYS("user: read a 0640 file of its group", try_open("f640g", O_RDONLY), 0);
  CHECK_SYS("user: write a 0640 file of its group", try_open("f640g", O_WRONLY), EACCES);
  CHECK_SYS("user: read a 0000 file", try_open("f000", O_RDONLY), EACCES);
  CHECK_SYS("user: stat through a 0700 directory", access(at("d700/x"), F_OK), EACCES);
  CHECK_SYS("user: open through a 0700 directory", try_open("d700/x", O_RDONLY), EACCES);
  CHECK_SYS("user: list a 0711 directory", try_open("d711", O_RDONLY | O_DIRECTORY), EACCES);
  CHECK_SYS("user: open through a 0711 directory", try_open("d711/x", O_RDONLY), 0);
  CHECK_SYS("user: create in a 0755 root directory", try_open("new", O_WRONLY | O_CREAT), EACCES);
  CHECK_SYS("user: mkdir in a 0755 root directory", mkdir(at("newdir"), 0755), EACCES);
  CHECK_SYS("user: create in a 0777 directory", try_open("d777/mine", O_WRONLY | O_CREAT), 0);
  struct stat sb;
  check_eq("user: its new file is uid 1000 gid 1000", stat(at("d777/mine"), &sb) == 0 ? (long)sb.st_uid * 10000 + sb.st_gid : -1,
           10001000);
  check_eq("user: its new file has mode 0640", (long)(sb.st_mode & 07777), 0640);
  CHECK_SYS("user: unlink its own file in a 0777 directory", unlink(at("d777/mine")), 0);
  CHECK_SYS("user: unlink root's file in a sticky directory", unlink(at("sticky/root")), EPERM);
  CHECK_SYS("user: unlink its own file in a sticky directory", unlink(at("sticky/user")), 0);
  CHECK_SYS("user: unlink root's file in its own directory", unlink(at("d777/own/root")), 0);
  int fd = open(at("d777/g"), O_WRONLY | O_CREAT, 02755);
  if (fd >= 0) close(fd);
  check_eq("user: open O_CREAT 02755 by a member of the group keeps S_ISGID",
           stat(at("d777/g"), &sb) == 0 ? (long)(sb.st_mode & 07777) : -1, 02755);
  CHECK_SYS("user: access R_OK of a 0600 root file", access(at("f600"), R_OK), EACCES);
  CHECK_SYS("user: faccessat AT_EACCESS R_OK of it", faccessat(AT_FDCWD, at("f600"), R_OK, AT_EACCESS), EACCES);
  CHECK_SYS("user: access X_OK of a 0755 file", access(at("f755"), X_OK), 0);
  CHECK_SYS("user: execve of a 0644 file", try_exec("f644"), EACCES);
  CHECK_SYS("user: execve through a 0700 directory", try_exec("d700/x"), EACCES);
  CHECK_SYS("user: chdir into a 0700 directory", chdir(at("d700")), EACCES);
  CHECK_SYS("user: chdir into a 0711 directory", chdir(at("d711")), 0);
  CHECK_SYS("user: kill its root parent", kill(getppid(), 0), EPERM);
  CHECK_SYS("user: kill itself", kill(getpid(), 0), 0);
  CHECK_SYS("user: setuid(0)", setuid(0), EPERM);
}

/* A member of the file's group only through its supplementary groups. */
static void in_supplementary_group(void) {
  pid_t pid = fork();
  if (pid == 0) {
    check_total = check_failed = 0;
    gid_t g = 1000;
    if (setgroups(1, &g) || setresgid(5, 5, 5) || setresuid(1001, 1001, 1001)) _exit(3);
    CHECK_SYS("supplementary group: read a 0640 file of that group", try_open("f640g", O_RDONLY), 0);
    CHECK_SYS("supplementary group: read a 0600 file", try_open("f600", O_RDONLY), EACCES);
    _exit(check_failed ? 1 : 0);
  }
  int st;
  waitpid(pid, &st, 0);
  check_eq("supplementary group: child", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
}

/* open checks the fs ids, access() the real ones. */
static void fsuid_against_access(void) {
  pid_t pid = fork();
  if (pid == 0) {
    check_total = check_failed = 0;
    setfsuid(1000);
    CHECK_SYS("fsuid 1000, uid 0: open a 0600 root file", try_open("f600", O_RDONLY), EACCES);
    CHECK_SYS("fsuid 1000, uid 0: access R_OK of it", access(at("f600"), R_OK), 0);
    CHECK_SYS("fsuid 1000, uid 0: faccessat AT_EACCESS of it", faccessat(AT_FDCWD, at("f600"), R_OK, AT_EACCESS), EACCES);
    setfsuid(0);
    CHECK_SYS("setresuid(1000, 0, 1000)", setresuid(1000, 0, 1000), 0);
    CHECK_SYS("uid 1000, euid 0: open a 0600 root file", try_open("f600", O_RDONLY), 0);
    CHECK_SYS("uid 1000, euid 0: access R_OK of it", access(at("f600"), R_OK), EACCES);
    _exit(check_failed ? 1 : 0);
  }
  int st;
  waitpid(pid, &st, 0);
  check_eq("fs ids: child", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
}

/* Removes the tree (as root, which may). */
/* ---- signals between users ----------------------------------------------------- */

static volatile sig_atomic_t got_uid = -1;
static void on_usr1(int sig, siginfo_t* si, void* uc) {
  (void)sig;
  (void)uc;
  got_uid = si->si_uid;
}

static void signals_between_users(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_usr1;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGCHLD, &sa, NULL);
  got_uid = -1;
  pid_t pid = fork();
  if (pid == 0) {
    if (setresuid(1234, 1234, 1234)) _exit(3);
    _exit(0);
  }
  int st;
  waitpid(pid, &st, 0);
  check_eq("SIGCHLD's si_uid is the child's uid", got_uid, 1234);
  signal(SIGCHLD, SIG_DFL);

  /* A process with uid 1000 signals another one with saved uid 1000. */
  pid = fork();
  if (pid == 0) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    if (setresuid(77, 77, 1000)) _exit(3);
    pid_t c = fork();
    if (c == 0) {
      if (setresuid(1000, 1000, 1000)) _exit(3);
      _exit(kill(getppid(), SIGUSR1) == 0 ? 0 : 4);
    }
    int cs;
    waitpid(c, &cs, 0);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    _exit(WIFEXITED(cs) && WEXITSTATUS(cs) == 0 && got_uid == 1000 ? 0 : 5);
  }
  waitpid(pid, &st, 0);
  check_eq("uid 1000 may signal a process whose saved uid is 1000 (si_uid 1000)",
           WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
}

int main(void) {
  start_ids();
  id_rules();
  groups();
  status_after_changes();
  set_tree();
  root_access();
  as_user(user_files, "uid 1000");
  in_supplementary_group();
  fsuid_against_access();
  signals_between_users();
  check_remove_dir();
  return check_summary("cred");
}
