/*
 * demo-cow: fork shares pages copy-on-write.
 *
 * Before fork the parent fills a private mapping, a global and a stack
 * array with 'P' and a MAP_SHARED page with a message. After fork both
 * processes write their own letter ('C' in the child, 'Q' in the parent)
 * into the private memory, each first checking that it still sees the
 * inherited 'P' where it has not written yet; each then checks that it sees
 * only its own letter. The child also writes into the shared page, which
 * the parent must see after wait4. The child's exit status tells the parent
 * whether the child saw the right data.
 */
#include "util.h"

#include <sys/mman.h>
#include <sys/wait.h>

#define PG 4096UL
#define NPAGES 8

static char global_buf[3 * PG];

/* Checks that every byte of [p, p + len) is c; returns 0 or -1 after a message. */
static int all_bytes(const char* who, const char* what, const char* p, size_t len, char c) {
  for (size_t i = 0; i < len; i++) {
    if (p[i] != c) {
      fprintf(stderr, "demo-cow: %s: %s byte %zu is '%c', expected '%c'\n", who, what, i, p[i], c);
      return -1;
    }
  }
  return 0;
}

/* Checks the inherited 'P', writes c over the private mapping, the global and the stack page, checks each. */
static int write_own(const char* who, char* priv, char* stack_buf, char c) {
  int bad = 0;
  bad |= all_bytes(who, "private mapping before writing", priv, NPAGES * PG, 'P');
  memset(priv, c, NPAGES * PG);
  memset(global_buf, c, sizeof global_buf);
  memset(stack_buf, c, PG);
  bad |= all_bytes(who, "private mapping", priv, NPAGES * PG, c);
  bad |= all_bytes(who, "global", global_buf, sizeof global_buf, c);
  bad |= all_bytes(who, "stack", stack_buf, PG, c);
  return bad;
}

int main(void) {
  char stack_buf[PG];
  char* priv = mmap(NULL, NPAGES * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (priv == MAP_FAILED) die_errno("mmap private");
  char* shared = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) die_errno("mmap shared");
  memset(priv, 'P', NPAGES * PG);
  memset(global_buf, 'P', sizeof global_buf);
  memset(stack_buf, 'P', sizeof stack_buf);
  strcpy(shared, "written by the parent before fork");
  printf("demo-cow: parent %d filled %lu private pages, a global and a stack page with 'P'\n", (int)getpid(),
         (unsigned long)NPAGES);
  fflush(stdout);

  pid_t pid = fork();
  if (pid < 0) die_errno("fork");
  if (pid == 0) {
    int bad = write_own("child", priv, stack_buf, 'C');
    if (strcmp(shared, "written by the parent before fork")) {
      fprintf(stderr, "demo-cow: child: shared page holds \"%s\"\n", shared);
      bad = 1;
    }
    snprintf(shared, PG, "written by the child %d", (int)getpid());
    printf("demo-cow: child %d wrote 'C' everywhere and sees only 'C': %s\n", (int)getpid(), bad ? "NO" : "yes");
    fflush(stdout);
    _exit(bad ? 1 : 0);
  }
  int bad = write_own("parent", priv, stack_buf, 'Q');
  int st;
  if (waitpid(pid, &st, 0) != pid) die_errno("waitpid");
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    fprintf(stderr, "demo-cow: the child failed (wait status %#x)\n", st);
    bad = 1;
  }
  bad |= all_bytes("parent", "private mapping after the child ran", priv, NPAGES * PG, 'Q');
  bad |= all_bytes("parent", "global after the child ran", global_buf, sizeof global_buf, 'Q');
  bad |= all_bytes("parent", "stack after the child ran", stack_buf, PG, 'Q');
  char want[64];
  snprintf(want, sizeof want, "written by the child %d", (int)pid);
  printf("demo-cow: parent wrote 'Q' and still sees only 'Q' after the child exited: %s\n", bad ? "NO" : "yes");
  printf("demo-cow: the MAP_SHARED page says \"%s\"\n", shared);
  if (strcmp(shared, want)) {
    fprintf(stderr, "demo-cow: expected \"%s\" in the shared page\n", want);
    bad = 1;
  }
  if (munmap(priv, NPAGES * PG) < 0 || munmap(shared, PG) < 0) die_errno("munmap");
  printf("demo-cow: %s\n", bad ? "FAILED" : "ok");
  return finish(bad);
}
