# kernel/ files compiled into the host tests: the credential rules and
# their lifetime (the VFS's permission checks use them).
HOST_KERNEL_CC := kernel/cred.cc
