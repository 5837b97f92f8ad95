/* What execve leaves a static program: argc/argv/envp/auxv in order on the
 * initial stack, and the auxiliary vector the ELF loader must build
 * (AT_PHDR/PHENT/PHNUM against the program's own headers, AT_ENTRY,
 * AT_PAGESZ, AT_RANDOM, AT_HWCAP, AT_CLKTCK, AT_SECURE, AT_UID...,
 * AT_EXECFN), plus uname. */
#include "check.h"

#include <elf.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/utsname.h>
#include <unistd.h>

extern const Elf64_Ehdr __ehdr_start; /* the linker's name for our own ELF header */
extern char _start[];
extern char** environ;

int main(int argc, char** argv) {
  check_true("argc >= 1", argc >= 1);
  check_true("argv[argc] is NULL", argv[argc] == NULL);
  check_true("envp follows argv", environ == argv + argc + 1);
  char** e = environ;
  while (*e) e++;
  const Elf64_auxv_t* av = (const Elf64_auxv_t*)(e + 1);
  int n = 0, has_pagesz = 0;
  for (; av[n].a_type != AT_NULL && n < 64; n++)
    if (av[n].a_type == AT_PAGESZ) has_pagesz = av[n].a_un.a_val == getauxval(AT_PAGESZ);
  check_true("auxv follows envp and ends with AT_NULL", n > 0 && n < 64 && has_pagesz);

  check_eq("AT_PAGESZ", (long)getauxval(AT_PAGESZ), 4096);
  const Elf64_Phdr* phdr = (const Elf64_Phdr*)((const char*)&__ehdr_start + __ehdr_start.e_phoff);
  check_true("AT_PHDR is where our program headers are mapped", getauxval(AT_PHDR) == (uintptr_t)phdr);
  check_eq("AT_PHENT", (long)getauxval(AT_PHENT), sizeof(Elf64_Phdr));
  check_eq("AT_PHNUM matches e_phnum", (long)getauxval(AT_PHNUM), __ehdr_start.e_phnum);
  check_true("AT_ENTRY is _start", getauxval(AT_ENTRY) == (uintptr_t)_start);
  const unsigned char* rnd = (const unsigned char*)getauxval(AT_RANDOM);
  int nonzero = 0;
  for (int i = 0; rnd && i < 16; i++) nonzero |= rnd[i];
  check_true("AT_RANDOM points at 16 bytes that are not all zero", rnd && nonzero);
  check_true("AT_RANDOM is on the stack above argv", (uintptr_t)rnd > (uintptr_t)argv);
  const unsigned long hw = getauxval(AT_HWCAP);
  int imafdc = 1;
  for (const char* c = "imafdc"; *c; c++) imafdc &= (hw >> (*c - 'a')) & 1;
  check_true("AT_HWCAP has the IMAFDC letters", imafdc);
  check_eq("AT_CLKTCK", (long)getauxval(AT_CLKTCK), 100);
  check_eq("AT_SECURE", (long)getauxval(AT_SECURE), 0);
  check_true("AT_UID/AT_EUID/AT_GID/AT_EGID match the ids",
             getauxval(AT_UID) == getuid() && getauxval(AT_EUID) == geteuid() && getauxval(AT_GID) == getgid() &&
                 getauxval(AT_EGID) == getegid());
  const char* fn = (const char*)getauxval(AT_EXECFN);
  check_true("AT_EXECFN is the path argv[0] names", fn && strcmp(fn, argv[0]) == 0);
  char local;
  check_true("the stack grows down below argv", (uintptr_t)&local < (uintptr_t)argv);

  struct utsname u;
  CHECK_SYS("uname", uname(&u), 0);
  check_line(strcmp(u.sysname, "Linux") == 0, "uname sysname", u.sysname, "Linux");
  check_line(strcmp(u.machine, "riscv64") == 0, "uname machine", u.machine, "riscv64");
  return check_summary("auxv");
}
