/*
 * sh: the small shell of the initramfs.
 *
 *   sh [-i]              read commands from standard input (-i: prompt even
 *                        when stdin is not known to be a terminal)
 *   sh -c 'COMMANDS'     run COMMANDS and exit with the last status
 *   sh FILE              run the script FILE
 *
 * A line is split into commands at ';' and newlines, a command into
 * pipeline stages at '|', a stage into words at blanks. '< FILE', '> FILE'
 * and '>> FILE' redirect a stage. '...' quotes literally; "..." quotes with
 * \" \\ \$ escapes and $ expansion; a backslash outside quotes takes the
 * next character literally; '#' at the start of a word comments out the rest
 * of the line. $? is the last status, $$ the shell's pid, $NAME an
 * environment variable.
 *
 * Builtins: cd, exit, help, pwd (in a pipeline they run in a child). Any
 * other command is run with fork, execve and wait4: a name without '/' is
 * looked up in each directory of $PATH (default /bin). The stages of a
 * pipeline are connected with pipe2 and all run at once; the last one's
 * status is the pipeline's. A non-zero status is reported as "exit N", a
 * death by signal as "killed by signal N (NAME)", on stderr once the
 * pipeline ended; the status of a killed command is 128 + N, as in POSIX
 * shells.
 */
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

extern char** environ;

static int last_status;

/* A growable NULL-terminated array of malloc'd strings. */
struct words {
  char** v;
  int n, cap;
};

/* One stage of a pipeline: its words and its redirections. */
struct stage {
  struct words argv;
  char* in;   /* < FILE */
  char* out;  /* > FILE or >> FILE */
  int append;
};

#define MAX_STAGES 16

struct pipeline {
  struct stage st[MAX_STAGES];
  int n;
};

/* A growable string. */
struct buf {
  char* s;
  size_t len, cap;
};

static void* xrealloc(void* p, size_t n) {
  p = realloc(p, n);
  if (!p) die("out of memory");
  return p;
}

static void buf_putc(struct buf* b, char c) {
  if (b->len + 2 > b->cap) {
    b->cap = b->cap ? 2 * b->cap : 32;
    b->s = xrealloc(b->s, b->cap);
  }
  b->s[b->len++] = c;
  b->s[b->len] = '\0';
}

static void buf_puts(struct buf* b, const char* s) {
  while (*s) buf_putc(b, *s++);
}

static void words_push(struct words* w, char* s) {
  if (w->n + 2 > w->cap) {
    w->cap = w->cap ? 2 * w->cap : 8;
    w->v = xrealloc(w->v, (size_t)w->cap * sizeof *w->v);
  }
  w->v[w->n++] = s;
  w->v[w->n] = NULL;
}

static void words_clear(struct words* w) {
  for (int i = 0; i < w->n; i++) free(w->v[i]);
  w->n = 0;
  if (w->v) w->v[0] = NULL;
}

static void pipeline_clear(struct pipeline* pl) {
  for (int i = 0; i < MAX_STAGES; i++) {
    struct stage* st = &pl->st[i];
    words_clear(&st->argv);
    free(st->in);
    free(st->out);
    st->in = st->out = NULL;
    st->append = 0;
  }
  pl->n = 0;
}

static void pipeline_free(struct pipeline* pl) {
  pipeline_clear(pl);
  for (int i = 0; i < MAX_STAGES; i++) free(pl->st[i].argv.v);
}

static int ends_word(char c) {
  return c == '\0' || c == ' ' || c == '\t' || c == '\r' || c == ';' || c == '\n' || c == '|' || c == '<' ||
         c == '>';
}

static int is_name_char(char c, int first) {
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9');
}

/* Expands the $ at *s into b; returns the position after what it consumed. */
static const char* expand_dollar(const char* s, struct buf* b) {
  char num[24];
  if (s[1] == '?') {
    snprintf(num, sizeof num, "%d", last_status);
    buf_puts(b, num);
    return s + 2;
  }
  if (s[1] == '$') {
    snprintf(num, sizeof num, "%d", (int)getpid());
    buf_puts(b, num);
    return s + 2;
  }
  if (!is_name_char(s[1], 1)) {
    buf_putc(b, '$');
    return s + 1;
  }
  const char* end = s + 1;
  while (is_name_char(*end, 0)) end++;
  char name[128];
  size_t n = (size_t)(end - s - 1) < sizeof name - 1 ? (size_t)(end - s - 1) : sizeof name - 1;
  memcpy(name, s + 1, n);
  name[n] = '\0';
  const char* v = getenv(name);
  if (v) buf_puts(b, v);
  return end;
}

/* Reads one word at s into *word (malloc'd); returns the position after it, or NULL with *bad set. */
static const char* parse_word(const char* s, char** word, const char** bad) {
  struct buf b = {0};
  buf_putc(&b, 0);  /* an empty word ("") is still a word */
  b.len = 0;
  while (!ends_word(*s)) {
    if (*s == '\'') {
      for (s++; *s && *s != '\''; s++) buf_putc(&b, *s);
      if (!*s) {
        *bad = "unterminated '";
        free(b.s);
        return NULL;
      }
      s++;
    } else if (*s == '"') {
      for (s++; *s && *s != '"';) {
        if (*s == '\\' && (s[1] == '"' || s[1] == '\\' || s[1] == '$')) {
          buf_putc(&b, s[1]);
          s += 2;
        } else if (*s == '$') {
          s = expand_dollar(s, &b);
        } else {
          buf_putc(&b, *s++);
        }
      }
      if (!*s) {
        *bad = "unterminated \"";
        free(b.s);
        return NULL;
      }
      s++;
    } else if (*s == '\\' && s[1]) {
      if (s[1] != '\n') buf_putc(&b, s[1]);  /* backslash-newline joins lines */
      s += 2;
    } else if (*s == '$') {
      s = expand_dollar(s, &b);
    } else {
      buf_putc(&b, *s++);
    }
  }
  *word = b.s;
  return s;
}

static const char* skip_blanks(const char* s) {
  while (*s == ' ' || *s == '\t' || *s == '\r') s++;
  return s;
}

/*
 * Parses one command (a pipeline) from s into pl. Returns the position after
 * its terminator (';' or newline), or NULL at the end of the text or after a
 * syntax error, which sets *bad.
 */
static const char* parse_command(const char* s, struct pipeline* pl, const char** bad) {
  pl->n = 1;
  for (;;) {
    struct stage* st = &pl->st[pl->n - 1];
    s = skip_blanks(s);
    if (*s == '#')
      while (*s && *s != '\n') s++;
    if (*s == '\0' || *s == ';' || *s == '\n') {
      if (st->argv.n == 0 && (pl->n > 1 || st->in || st->out)) *bad = "missing command";
      if (pl->n == 1 && st->argv.n == 0 && !st->in && !st->out) pl->n = 0;
      return *s && !*bad ? s + 1 : NULL;
    }
    if (*s == '|') {
      if (st->argv.n == 0) {
        *bad = "missing command before |";
        return NULL;
      }
      if (pl->n == MAX_STAGES) {
        *bad = "too many pipeline stages";
        return NULL;
      }
      pl->n++;
      s++;
      continue;
    }
    char** target = NULL;
    if (*s == '<') {
      target = &st->in;
      s++;
    } else if (*s == '>') {
      target = &st->out;
      st->append = s[1] == '>';
      s += st->append ? 2 : 1;
    }
    if (target) s = skip_blanks(s);
    if (ends_word(*s)) {
      *bad = "missing file name after a redirection";
      return NULL;
    }
    char* word;
    if (!(s = parse_word(s, &word, bad))) return NULL;
    if (target) {
      free(*target);
      *target = word;
    } else {
      words_push(&st->argv, word);
    }
  }
}

/* execve of name, searched in $PATH when it has no '/'. Returns only on failure, with errno. */
static void exec_command(char** argv) {
  const char* name = argv[0];
  if (strchr(name, '/')) {
    execve(name, argv, environ);
    return;
  }
  const char* path = getenv("PATH");
  if (!path || !*path) path = "/bin";
  int saved = ENOENT;
  for (const char* p = path;; p++) {
    const char* end = strchrnul(p, ':');
    char full[4096];
    int dlen = (int)(end - p);
    if (snprintf(full, sizeof full, "%.*s%s%s", dlen, p, dlen ? "/" : "", name) < (int)sizeof full) {
      execve(full, argv, environ);
      /* Keep looking past a directory without the name; remember a real error. */
      if (errno != ENOENT && errno != ENOTDIR) saved = errno;
    }
    if (!*end) break;
    p = end;
  }
  errno = saved;
}

/* Reports a finished child's status; returns the shell's notion of it. */
static int report_status(int st) {
  if (WIFEXITED(st)) {
    if (WEXITSTATUS(st)) fprintf(stderr, "exit %d\n", WEXITSTATUS(st));
    return WEXITSTATUS(st);
  }
  if (WIFSIGNALED(st)) {
    const char* abbrev = sigabbrev_np(WTERMSIG(st));
    fprintf(stderr, "killed by signal %d (SIG%s)\n", WTERMSIG(st), abbrev ? abbrev : "?");
    return 128 + WTERMSIG(st);
  }
  fprintf(stderr, "wait status %#x\n", st);
  return 255;
}

static void list_programs(void) {
  const char* path = getenv("PATH");
  if (!path || !*path) path = "/bin";
  char* copy = strdup(path);
  if (!copy) return;
  for (char *save = NULL, *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
    struct dirent** names;
    int n = scandir(dir, &names, NULL, alphasort);
    if (n < 0) {
      report_errno(dir, errno);
      continue;
    }
    printf("programs in %s:", dir);
    for (int i = 0; i < n; i++) {
      if (names[i]->d_name[0] != '.') printf(" %s", names[i]->d_name);
      free(names[i]);
    }
    printf("\n");
    free(names);
  }
  free(copy);
}

static int is_builtin(const char* name) {
  return !strcmp(name, "cd") || !strcmp(name, "exit") || !strcmp(name, "help") || !strcmp(name, "pwd");
}

/* Runs a builtin (is_builtin(argv[0])); returns its status. */
static int run_builtin(char** argv) {
  int argc = 0;
  while (argv[argc]) argc++;
  if (!strcmp(argv[0], "exit")) {
    fflush(NULL);
    exit(argc > 1 ? atoi(argv[1]) & 0xff : last_status);
  }
  if (!strcmp(argv[0], "cd")) {
    const char* dir = argc > 1 ? argv[1] : getenv("HOME");
    if (!dir) dir = "/";
    if (chdir(dir) < 0) {
      report_errno(dir, errno);
      return 1;
    }
    return 0;
  }
  if (!strcmp(argv[0], "pwd")) {
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd)) {
      report_errno("getcwd", errno);
      return 1;
    }
    printf("%s\n", cwd);
    return 0;
  }
  printf("builtins: cd [DIR], exit [N], help, pwd\n"
         "syntax: words split at blanks, ';' or newline ends a command, '|' pipes,\n"
         "        < FILE, > FILE, >> FILE redirect, '...' \"...\" \\x quote,\n"
         "        $? last status, $$ pid, $NAME environment, # comment\n");
  list_programs();
  return 0;
}

/* Opens path onto fd (0 or 1). Returns 0, or -1 after a message. */
static int redirect_fd(const char* path, int flags, int fd) {
  int f = open(path, flags | O_CLOEXEC, 0666);
  if (f < 0) {
    report_errno(path, errno);
    return -1;
  }
  if (f != fd) {
    int r = dup2(f, fd);  /* the copy at fd is not close-on-exec */
    int err = errno;
    close(f);
    if (r < 0) {
      report_errno("dup2", err);
      return -1;
    }
  }
  return 0;
}

static int redirect(const struct stage* st) {
  if (st->in && redirect_fd(st->in, O_RDONLY, 0) < 0) return -1;
  if (st->out && redirect_fd(st->out, O_WRONLY | O_CREAT | (st->append ? O_APPEND : O_TRUNC), 1) < 0) return -1;
  return 0;
}

/* A builtin alone runs in the shell (cd must); its redirections are undone after. */
static int run_builtin_here(const struct stage* st) {
  int saved[2] = {-1, -1};
  int status = 1;
  for (int fd = 0; fd < 2; fd++) {
    if ((fd == 0 ? st->in : st->out) && (saved[fd] = fcntl(fd, F_DUPFD_CLOEXEC, 10)) < 0) {
      report_errno("fcntl F_DUPFD_CLOEXEC", errno);
      goto restore;
    }
  }
  if (redirect(st) == 0) status = run_builtin(st->argv.v);
restore:
  fflush(stdout);
  for (int fd = 0; fd < 2; fd++) {
    if (saved[fd] < 0) continue;
    if (dup2(saved[fd], fd) < 0) report_errno("dup2", errno);
    close(saved[fd]);
  }
  return status;
}

/* The child's side of one stage: its fds are in place; never returns. */
static _Noreturn void exec_stage(const struct stage* st) {
  if (redirect(st) < 0) _exit(1);
  if (is_builtin(st->argv.v[0])) {
    int status = run_builtin(st->argv.v);
    fflush(NULL);
    _exit(status);
  }
  exec_command(st->argv.v);
  int err = errno;
  if (err == ENOENT) fprintf(stderr, "sh: %s: not found\n", st->argv.v[0]);
  else report_errno(st->argv.v[0], err);
  _exit(err == ENOENT ? 127 : 126);
}

/* Runs a pipeline; returns the last stage's status. */
static int run_pipeline(const struct pipeline* pl) {
  if (pl->n == 1 && is_builtin(pl->st[0].argv.v[0])) return run_builtin_here(&pl->st[0]);
  fflush(NULL);  /* nothing buffered may be written twice */
  pid_t pids[MAX_STAGES];
  int started = 0, prev_read = -1, status = 1;
  for (int i = 0; i < pl->n; i++) {
    int p[2] = {-1, -1};
    if (i + 1 < pl->n && pipe2(p, O_CLOEXEC) < 0) {
      report_errno("pipe2", errno);
      break;
    }
    pid_t pid = fork();
    if (pid < 0) {
      report_errno("fork", errno);
      if (p[0] >= 0) {
        close(p[0]);
        close(p[1]);
      }
      break;
    }
    if (pid == 0) {
      /* The interactive shell's ignored job-control signals are not the command's. */
      signal(SIGINT, SIG_DFL);
      signal(SIGQUIT, SIG_DFL);
      signal(SIGTSTP, SIG_DFL);
      if (prev_read >= 0 && dup2(prev_read, 0) < 0) _exit(126);
      if (p[1] >= 0 && dup2(p[1], 1) < 0) _exit(126);
      exec_stage(&pl->st[i]);
    }
    pids[started++] = pid;
    if (prev_read >= 0) close(prev_read);
    if (p[1] >= 0) close(p[1]);
    prev_read = p[0];
  }
  if (prev_read >= 0) close(prev_read);
  for (int i = 0; i < started; i++) {
    int st;
    pid_t r;
    while ((r = wait4(pids[i], &st, 0, NULL)) < 0 && errno == EINTR) {
    }
    if (r != pids[i]) {
      report_errno("wait4", r < 0 ? errno : ECHILD);
      continue;
    }
    /* A failure to start every stage leaves the status at 1. */
    if (i == pl->n - 1) status = report_status(st);
  }
  return status;
}

/* Runs every command in text. Returns 0, or -1 after a syntax error. */
static int run_text(const char* text) {
  struct pipeline pl;
  memset(&pl, 0, sizeof pl);
  const char* s = text;
  int ret = 0;
  while (s) {
    const char* bad = NULL;
    s = parse_command(s, &pl, &bad);
    if (bad) {
      fprintf(stderr, "sh: syntax error: %s\n", bad);
      last_status = 2;
      ret = -1;
      break;
    }
    if (pl.n > 0) last_status = run_pipeline(&pl);
    pipeline_clear(&pl);
  }
  pipeline_free(&pl);
  return ret;
}

/* Reads lines from f until end of file, prompting when interactive. */
static void run_stream(FILE* f, const char* what, int interactive) {
  char* line = NULL;
  size_t cap = 0;
  struct buf pending = {0};  /* continued lines */
  const char* prompt = geteuid() == 0 ? "# " : "$ ";
  for (;;) {
    if (interactive) {
      fputs(pending.len ? "> " : prompt, stdout);
      fflush(stdout);
    }
    errno = 0;
    ssize_t n = getline(&line, &cap, f);
    if (n < 0) {
      if (ferror(f)) {
        if (errno == EINTR) {
          clearerr(f);
          continue;
        }
        report_errno(what, errno);
        last_status = 1;
      } else if (interactive) {
        fputs("\n", stdout);
      }
      break;
    }
    /* A line ending in an unescaped backslash continues on the next one. */
    size_t slashes = 0;
    while (n >= 2 && line[n - 1] == '\n' && slashes < (size_t)n - 1 && line[n - 2 - slashes] == '\\') slashes++;
    if (slashes % 2 == 1) {
      buf_puts(&pending, line);
      continue;
    }
    if (pending.len) {
      buf_puts(&pending, line);
      run_text(pending.s);
      pending.len = 0;
    } else {
      run_text(line);
    }
  }
  if (pending.len) run_text(pending.s);
  free(pending.s);
  free(line);
}

int main(int argc, char** argv) {
  int interactive = 0;
  int i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
    if (!strcmp(argv[i], "-i")) {
      interactive = 1;
    } else if (!strcmp(argv[i], "-c")) {
      if (i + 1 >= argc) die("-c needs an argument");
      run_text(argv[i + 1]);
      fflush(NULL);
      return last_status;
    } else {
      die("usage: sh [-i] [-c COMMANDS | FILE]");
    }
  }
  if (i < argc) {
    FILE* f = fopen(argv[i], "re");
    if (!f) die_errno(argv[i]);
    run_stream(f, argv[i], 0);
    fclose(f);
  } else {
    if (interactive || isatty(0)) {
      /* ^C, ^\ and ^Z on the terminal are for the command running, not
       * for the shell (which has no job control: commands run in its own
       * process group, the terminal's foreground group). */
      signal(SIGINT, SIG_IGN);
      signal(SIGQUIT, SIG_IGN);
      signal(SIGTSTP, SIG_IGN);
    }
    run_stream(stdin, "stdin", interactive || isatty(0));
  }
  fflush(NULL);
  return last_status;
}
