// A glibc program for the ELF host tests: linked -static (ET_EXEC with
// PT_TLS from the thread-local variables) and dynamically (PT_INTERP, which
// the loader must refuse).
#include <stdio.h>

__thread int tls_counter = 5;  // .tdata
__thread char tls_buf[100];    // .tbss

int main(int argc, char** argv) {
  (void)argv;
  tls_buf[0] = 'x';
  printf("hello %d %c\n", tls_counter + argc, tls_buf[0]);
  return 0;
}
