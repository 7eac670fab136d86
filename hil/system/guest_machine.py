"""One emulated board: QEMU full-system with Debian's kernel, initrd and a
copy-on-write overlay of the cached root filesystem (build_guest_image), user-mode
networking (the host is 10.0.2.2 from the guest) and a folder shared over
virtio-9p, through which guest/fedgate-hil-agent runs the test's commands.

Every wait is bounded; stop() always ends QEMU."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time


class GuestError(AssertionError):
    pass


# QEMU per architecture: the board model, the console and the root device.
MACHINES = {
    "virt-arm64": dict(qemu="qemu-system-aarch64", machine=["-M", "virt", "-cpu", "cortex-a72"],
                       console="ttyAMA0", root="/dev/vda"),
    "virt-armhf": dict(qemu="qemu-system-arm", machine=["-M", "virt,highmem=off", "-cpu", "cortex-a15"],
                       console="ttyAMA0", root="/dev/vda"),
    "raspi3b": dict(qemu="qemu-system-aarch64", machine=["-M", "raspi3b"],
                    console="ttyAMA0", root="/dev/mmcblk0"),
}


class GuestMachine:
    def __init__(self, image_dir, work_dir, name="guest"):
        self.image_dir = image_dir
        self.work_dir = work_dir
        self.name = name
        self.share = os.path.join(work_dir, "share")
        self.disk = os.path.join(work_dir, "disk.qcow2")
        self.process = None
        self.started_at = None
        self.next_command = 1
        self.starts = 0
        os.makedirs(os.path.join(self.share, "cmd"), exist_ok=True)
        os.makedirs(os.path.join(self.share, "out"), exist_ok=True)
        if not os.path.exists(self.disk):
            subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b",
                            os.path.join(image_dir, "rootfs.img"), self.disk], check=True)

    # --- power -------------------------------------------------------------------------

    def boot(self, machine="virt-arm64", dtb=None):
        """Starts QEMU; returns at once (wait_for_boot waits for the agent)."""
        spec = MACHINES[machine]
        append = f"root={spec['root']} rw console={spec['console']} panic=-1"
        self.starts += 1
        args = [spec["qemu"], *spec["machine"], "-nographic", "-monitor", "none",
                "-serial", "file:" + os.path.join(self.work_dir, f"console-{self.starts}.log"),
                "-kernel", os.path.join(self.image_dir, "vmlinuz"),
                "-initrd", os.path.join(self.image_dir, "initrd.img"),
                "-append", append]
        if machine == "raspi3b":
            # The Pi's own peripherals: SD card, USB network (no virtio, so no shared
            # folder: the test watches this boot from the coordinator only). The USB
            # network is plugged in later (plug_usb_net), over QMP.
            # cdc_subset and cdc_ether race for usb-net's data interface (whichever loads
            # first takes it): keep it to cdc_ether, which the adapter's descriptors name.
            # QEMU has no VideoCore, and the vchiq driver's thread oopses on it.
            args[args.index("-append") + 1] += " module_blacklist=cdc_subset,vchiq"
            args += ["-m", "1G", "-smp", "4", "-dtb", dtb,
                     "-drive", f"if=sd,format=qcow2,file={self.disk}",
                     "-netdev", "user,id=net0",
                     "-qmp", f"unix:{self.qmp_socket()},server=on,wait=off"]
        else:
            args += ["-m", "1G", "-smp", "2",
                     "-drive", f"if=none,id=disk,format=qcow2,file={self.disk}",
                     "-device", "virtio-blk-pci,drive=disk",
                     "-netdev", "user,id=net0", "-device", "virtio-net-pci,netdev=net0,romfile=",  # no PXE boot ROM needed
                     "-virtfs", f"local,path={self.share},mount_tag=hil,security_model=none,id=hil"]
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                        stdout=open(os.path.join(self.work_dir, "qemu.log"), "ab"),
                                        stderr=subprocess.STDOUT)

    def qmp_socket(self):
        return os.path.join(self.work_dir, "qmp.sock")

    def plug_usb_net(self, timeout):
        """Plugs a USB network adapter into the raspi3b once the kernel's USB host
        driver (dwc2) is up. Present from power-on, the adapter is never enumerated:
        the driver's reset loses the connect event of QEMU's port, so the driver
        refuses every transfer ("dwc2 ...: Not connected"). Plugged in later, the
        port reports the connection as a real plug does."""
        self.wait_for_console(r"hub 1-0:1\.0: \d+ ports? detected", timeout)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as qmp:
            qmp.settimeout(30)
            qmp.connect(self.qmp_socket())
            replies = qmp.makefile("r")
            replies.readline()  # the greeting
            for command in ({"execute": "qmp_capabilities"},
                            {"execute": "device_add", "arguments": {"driver": "usb-net", "netdev": "net0"}}):
                qmp.sendall(json.dumps(command).encode() + b"\n")
                while True:
                    reply = json.loads(replies.readline())
                    if "return" in reply or "error" in reply:
                        break  # skips asynchronous events
                if "error" in reply:
                    raise GuestError(f"{self.name}: QMP {command['execute']}: {reply['error']}")

    def wait_for_console(self, pattern, timeout):
        """Waits until the console of the current boot shows `pattern` (a regex)."""
        deadline = time.monotonic() + timeout
        path = os.path.join(self.work_dir, f"console-{self.starts}.log")
        while not (os.path.exists(path) and re.search(pattern, open(path, errors="replace").read())):
            self._check_running()
            if time.monotonic() > deadline:
                raise GuestError(f"{self.name}: no `{pattern}` on the console within {timeout} s\n"
                                 + self.console_tail())
            time.sleep(1)

    def boots(self):
        out = os.path.join(self.share, "out")
        return sum(1 for f in os.listdir(out) if f.startswith("boot-") and not f.endswith(".tmp"))

    def wait_for_boot(self, count, timeout):
        """Waits until the agent reported its `count`-th boot; returns seconds since boot()."""
        deadline = time.monotonic() + timeout
        while self.boots() < count:
            self._check_running()
            if time.monotonic() > deadline:
                raise GuestError(f"{self.name}: no boot {count} within {timeout} s\n" + self.console_tail())
            time.sleep(0.5)
        return time.monotonic() - self.started_at

    def wait_for_exit(self, timeout):
        try:
            self.process.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def poweroff(self, timeout=120):
        """Shuts the guest down cleanly; kills QEMU if it does not stop in time."""
        if self.process is None or self.process.poll() is not None:
            return
        self.send("systemctl poweroff")
        if not self.wait_for_exit(timeout):
            self.stop()
            raise GuestError(f"{self.name}: did not power off within {timeout} s")

    def stop(self):
        """Ends QEMU at once (pulling the plug); safe to call any time."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            if not self.wait_for_exit(20):
                self.process.kill()
                self.process.wait()

    # --- commands ----------------------------------------------------------------------

    def send(self, script):
        """Queues a shell script for the agent; returns its number."""
        n = self.next_command
        self.next_command += 1
        path = os.path.join(self.share, "cmd", f"{n:04d}.sh")
        with open(path + ".tmp", "w") as f:
            f.write(script + "\n")
        os.rename(path + ".tmp", path)  # the agent never sees half a script
        return n

    def run(self, script, timeout=120):
        """Runs a shell script in the guest as root; returns (exit status, output)."""
        n = self.send(script)
        rc_path = os.path.join(self.share, "out", f"{n:04d}.rc")
        deadline = time.monotonic() + timeout
        while not os.path.exists(rc_path):
            self._check_running()
            if time.monotonic() > deadline:
                raise GuestError(f"{self.name}: `{script}` did not finish within {timeout} s")
            time.sleep(0.2)
        with open(rc_path) as f:
            rc = int(f.read().strip())
        with open(os.path.join(self.share, "out", f"{n:04d}.out"), errors="replace") as f:
            return rc, f.read()

    def check(self, script, timeout=120):
        """Runs a script that must succeed; returns its output."""
        rc, out = self.run(script, timeout)
        if rc != 0:
            raise GuestError(f"{self.name}: `{script}` exited {rc}:\n{out}")
        return out

    def put(self, path):
        """Copies a host file into the shared folder; returns its path in the guest."""
        shutil.copy(path, self.share)
        return "/hil/" + os.path.basename(path)

    # --- diagnostics -------------------------------------------------------------------

    def console_tail(self, lines=40):
        logs = sorted(f for f in os.listdir(self.work_dir) if f.startswith("console-"))
        if not logs:
            return ""
        with open(os.path.join(self.work_dir, logs[-1]), errors="replace") as f:
            return "".join(f.readlines()[-lines:])

    def _check_running(self):
        if self.process is None or self.process.poll() is not None:
            qemu_log = open(os.path.join(self.work_dir, "qemu.log"), errors="replace").read()
            raise GuestError(f"{self.name}: QEMU exited\n{qemu_log}{self.console_tail()}")
