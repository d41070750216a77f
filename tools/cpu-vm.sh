#!/usr/bin/env bash
# Runs a command on another CPU: in a QEMU virtual machine whose processor is a CPU model of QEMU's
# (default EPYC-Milan, AMD Zen 3: AVX2 and FMA without AVX-512, the CPU of many hosted CI runners), over
# this machine's own filesystem, read-only. What depends on the host's instruction set (oneDNN's kernels
# and its default, XNNPACK's, Eigen's) then runs as on that CPU, so one machine can show how a second
# one computes: `keras-parity run --label` in the VM and on the host, then `keras-parity merge`.
#
#   tools/cpu-vm.sh [--cpu MODEL] [--smp N] [--mem SIZE] [--out DIR] [--timeout S] -- 'command'
#
# The command runs in the current directory, with PATH, HOME and the TF_* and KERAS_PARITY_* variables
# of the caller; its output streams here, and its exit status is this script's. /tmp and /root are fresh
# tmpfs (the current directory stays visible there); --out DIR (created) is the one writable host
# folder, at the same path. The guest's /proc/cpuinfo
# names the model (`AMD EPYC-Milan Processor`), so a report's machine facts are the emulated CPU's.
#
# The processor is emulated (TCG), instruction by instruction, not virtualised: results are that
# instruction set's, timings are not a real machine's (about 20x slower than the host). Needs root for
# apt-get (qemu-system-x86, busybox-static, kmod) the first time; the kernel is Debian's, kept with the
# boot files in ${KERAS_PARITY_CPU_VM_CACHE:-~/.cache/keras-parity/cpu-vm}.
set -euo pipefail

# One virtual CPU by default: with two, QEMU's multi-threaded emulation let V8's JIT die of SIGILL in about
# half the runs of `keras-parity run` (never with one).
cpu=EPYC-Milan smp=1 mem=8G out= limit=3600
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cpu) cpu=$2; shift 2 ;;
    --smp) smp=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --out) out=$(mkdir -p "$2" && cd "$2" && pwd); shift 2 ;;
    --timeout) limit=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "cpu-vm: unknown argument '$1' (usage: tools/cpu-vm.sh [--cpu MODEL] [--smp N] [--mem SIZE] [--out DIR] [--timeout S] -- 'command')" >&2; exit 2 ;;
  esac
done
[[ $# -eq 1 ]] || { echo "cpu-vm: give the command as one argument after --" >&2; exit 2; }
command=$1
# Boot files per version of this script, so that a changed init is rebuilt.
cache=${KERAS_PARITY_CPU_VM_CACHE:-$HOME/.cache/keras-parity/cpu-vm}/$(sha256sum "$0" | cut -c1-12)

install_tools() {
  local missing=()
  command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
  [[ -x /bin/busybox ]] || missing+=(busybox-static)
  [[ -x /sbin/depmod ]] || missing+=(kmod)
  [[ ${#missing[@]} -eq 0 ]] && return
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
}

kernel_package() {
  apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}'
}

# Debian's current kernel with the modules a 9p root over virtio needs, and a busybox init that mounts
# the host's / read-only, the guest's own /proc, /sys and /dev over it, and runs /ctl/cmd.sh chrooted.
build_boot() {
  [[ -f $cache/vmlinuz && -f $cache/initrd.gz ]] && return
  local work pkg version
  work=$(mktemp -d)
  pkg=$(kernel_package)
  [[ -n $pkg ]] || { apt-get update -q >/dev/null; pkg=$(kernel_package); }
  (cd "$work" && apt-get download -q "$pkg" >/dev/null 2>&1)
  dpkg -x "$work"/"$pkg"_*.deb "$work/k"
  version=${pkg#linux-image-}
  /sbin/depmod -b "$work/k" "$version"
  mkdir -p "$work/root/bin" "$work/root/lib/modules" "$work/root"/{proc,sys,dev,host}
  cp /bin/busybox "$work/root/bin/"
  cp -r "$work/k/lib/modules/$version" "$work/root/lib/modules/"
  find "$work/root/lib/modules/$version/kernel" -name '*.ko' \
    ! -path '*/fs/9p/*' ! -path '*/net/9p/*' ! -path '*/fs/netfs/*' ! -path '*/fs/fscache/*' ! -path '*/drivers/virtio/*' -delete
  cat >"$work/root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
ifconfig lo 127.0.0.1 up
for m in virtio_pci 9pnet_virtio 9p; do modprobe $m; done
opts=trans=virtio,version=9p2000.L,msize=512000
mount -t 9p -o $opts,ro,cache=loose host /host
mkdir /shadow; mount -o bind /host /shadow
mount -t proc proc /host/proc; mount -t sysfs sys /host/sys; mount -t devtmpfs dev /host/dev
mount -t tmpfs tmp /host/tmp; mount -t tmpfs root /host/root
mkdir -p /host/dev/shm /host/dev/pts /host/tmp/ctl; mount -t tmpfs shm /host/dev/shm; mount -t devpts pts /host/dev/pts
mount -t 9p -o $opts ctl /host/tmp/ctl
hostname "$(cat /host/tmp/ctl/hostname)"
# The command's folder, where the fresh /tmp or /root hides it: the host's, read-only.
d=$(cat /host/tmp/ctl/dir)
case "$d" in /tmp/*|/root/*) mkdir -p "/host$d"; mount -o bind "/shadow$d" "/host$d" 2>>/host/tmp/ctl/log ;; esac
if [ -f /host/tmp/ctl/out ]; then o=/host$(cat /host/tmp/ctl/out); mkdir -p "$o"; mount -t 9p -o $opts out "$o" 2>>/host/tmp/ctl/log; fi
chroot /host /bin/bash -c 'bash /tmp/ctl/cmd.sh >>/tmp/ctl/log 2>&1; echo $? >/tmp/ctl/rc'
sync; poweroff -f
EOF
  chmod +x "$work/root/init"
  mkdir -p "$cache"
  (cd "$work/root" && find . | busybox cpio -o -H newc 2>/dev/null | gzip >"$cache/initrd.gz")
  cp "$work/k/boot/vmlinuz-$version" "$cache/vmlinuz"
  rm -rf "$work"
}

install_tools
build_boot

ctl=$(mktemp -d)
trap 'rm -rf "$ctl"' EXIT
{
  printf 'export PATH=%q HOME=%q\n' "$PATH" "$HOME"
  env | grep -E '^(TF|KERAS_PARITY)_[A-Za-z0-9_]*=' | sed 's/^\([^=]*\)=\(.*\)$/export \1=\x27\2\x27/' || true
  printf 'cd %q\n%s\n' "$PWD" "$command"
} >"$ctl/cmd.sh"
echo "cpu-vm-$(tr 'A-Z' 'a-z' <<<"$cpu")" >"$ctl/hostname"
echo "$PWD" >"$ctl/dir"
touch "$ctl/log"
shares=(-virtfs "local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap"
  -virtfs "local,path=$ctl,mount_tag=ctl,security_model=none")
if [[ -n $out ]]; then
  echo "$out" >"$ctl/out"
  shares+=(-virtfs "local,path=$out,mount_tag=out,security_model=none")
fi

# TCG, not KVM: a virtualised guest would run the host's own instructions wherever the model's CPUID
# does not forbid them, and nested KVM does not boot on every CI host.
timeout "$limit" qemu-system-x86_64 -accel tcg,thread=multi -cpu "$cpu" -smp "$smp" -m "$mem" -display none -serial none \
  -monitor none -no-reboot -kernel "$cache/vmlinuz" -initrd "$cache/initrd.gz" \
  -append "panic=-1 quiet" "${shares[@]}" 2> >(grep -v "support requested feature" >&2) &
qemu=$!
tail -f --pid=$qemu "$ctl/log"
wait $qemu || { echo "cpu-vm: qemu exited with $? (124: past --timeout $limit s)" >&2; exit 1; }
[[ -f $ctl/rc ]] || { echo "cpu-vm: the command did not finish (no exit status came back)" >&2; exit 1; }
exit "$(cat "$ctl/rc")"
