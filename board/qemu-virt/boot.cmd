# U-Boot boot script for the qemu-virt (compiled to boot.scr by tools/mkimage-board).
# distro_bootcmd runs it from the boot partition with devtype, devnum and
# distro_bootpart set; booti moves the Image to RAM start + text_offset.
echo "Loading the kernel Image from ${devtype} ${devnum}:${distro_bootpart}"
setenv bootargs ""
load ${devtype} ${devnum}:${distro_bootpart} ${kernel_addr_r} Image
booti ${kernel_addr_r} - ${fdtcontroladdr}
echo "booti returned: the Image was refused"
