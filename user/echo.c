/*
 * echo: prints its arguments separated by blanks and a newline.
 *
 *   echo [-n] [ARG...]      -n: no newline
 */
#include "util.h"

int main(int argc, char** argv) {
  int i = 1, newline = 1;
  if (i < argc && !strcmp(argv[i], "-n")) {
    newline = 0;
    i++;
  }
  for (int first = i; i < argc; i++) {
    if (i > first) putchar(' ');
    fputs(argv[i], stdout);
  }
  if (newline) putchar('\n');
  return finish(0);
}
