#!/usr/bin/env python3
"""Full-system HIL: the client's .deb on an emulated Raspberry Pi class board.

Boots Debian bookworm (systemd, Debian's kernel and initrd) under
qemu-system-aarch64 -M virt, installs the freshly built fedgate-client .deb
offline with dpkg -i, configures it to reach the coordinator on the host
under CURVE as the packaged config has it (the board's key pair made by the
package's postinst, its public key on the coordinator's allow-list, the
coordinator's public key copied to the board), starts fedgate-client.service
and checks from the host's metrics that the guest client, known by its key,
registers and its updates are applied. Then the faults a board sees:
the coordinator goes away and comes back, the client is killed, the guest
reboots, the package is upgraded (conffile kept) and removed and purged (no
leftovers). --raspi3b also boots the installed disk on the raspi3b board
model; --raspi3b-only does just that (install on virt, then one boot on the
Pi 3 B model). Prints the figures (boot time, start-to-first-update, each fault).

  full_system_test.py --coordinator BIN --keygen BIN --deb FILE [--short|--raspi3b-only] [--work DIR]
"""

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guest_machine import GuestMachine  # noqa: E402
from host_coordinator import HostCoordinator  # noqa: E402

CLIENT = "pi-guest"
UNIT = "fedgate-client.service"
BOOT_TIMEOUT = 300      # software emulation on a loaded 2-core machine
UPDATE_TIMEOUT = 300    # the emulated client loads Fashion-MNIST before its first offer
HERE = os.path.dirname(os.path.abspath(__file__))


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def unit(guest, *properties):
    """systemctl show values of the client's unit, as a dict."""
    out = guest.check(f"systemctl show {UNIT} -p " + ",".join(properties))
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def journal(guest):
    return guest.check(f"journalctl -u {UNIT} --no-pager -o cat")


def wait_unit(guest, timeout, **wanted):
    """Waits until the unit's properties have the wanted values; returns them."""
    deadline = time.monotonic() + timeout
    while True:
        now = unit(guest, *wanted.keys(), "MainPID", "NRestarts", "ActiveState")
        if all(now.get(k) == v for k, v in wanted.items()):
            return now
        expect(time.monotonic() < deadline, f"{UNIT} is {now}, wanted {wanted} within {timeout} s")
        time.sleep(1)


def upgraded_deb(deb, work):
    """The same package with a higher version, as an upgrade would bring."""
    tree = os.path.join(work, "deb-tree")
    subprocess.run(["dpkg-deb", "-R", deb, tree], check=True)
    control = os.path.join(tree, "DEBIAN", "control")
    text = open(control).read()
    version = re.search(r"^Version: (.*)$", text, re.M).group(1)
    new_version = version + "+hil1"
    open(control, "w").write(text.replace(f"Version: {version}", f"Version: {new_version}"))
    out = os.path.join(work, "upgrade", os.path.basename(deb).replace(version, new_version))
    os.makedirs(os.path.dirname(out), exist_ok=True)
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zxz", "-b", tree, out], check=True,
                   stdout=subprocess.DEVNULL)
    return out, new_version


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--coordinator", required=True)
    parser.add_argument("--keygen", required=True, help="fedgate-keygen, for the coordinator's key pair")
    parser.add_argument("--deb", required=True, help="the package, or a glob matching one")
    parser.add_argument("--arch", default="arm64", choices=["arm64", "armhf"])
    parser.add_argument("--short", action="store_true",
                        help="CI form: install, start, updates, killed client, removal")
    parser.add_argument("--raspi3b", action="store_true",
                        help="after the upgrade, boot the disk on -M raspi3b")
    parser.add_argument("--raspi3b-only", action="store_true",
                        help="install and enable on virt, then boot the disk on -M raspi3b; nothing else")
    parser.add_argument("--image", help="a guest image directory (default: build_guest_image's cache)")
    parser.add_argument("--work", help="keep the logs here (default: a temporary directory)")
    args = parser.parse_args()

    debs = sorted(glob.glob(args.deb))
    expect(len(debs) == 1, f"want exactly one package matching {args.deb}, found {debs} "
                           f"(cmake --build --preset {'aarch64' if args.arch == 'arm64' else 'armhf'} --target package)")
    deb = debs[0]
    work = args.work or tempfile.mkdtemp(prefix="fedgate-system-")
    os.makedirs(work, exist_ok=True)
    log(f"work directory {work}")

    started = time.monotonic()
    image = args.image or subprocess.run([os.path.join(HERE, "build_guest_image"), args.arch],
                                         check=True, stdout=subprocess.PIPE,
                                         text=True).stdout.strip().splitlines()[-1]
    figures = {"image_s": time.monotonic() - started}
    log(f"guest image {image} ready after {figures['image_s']:.0f} s")

    guest = GuestMachine(image, work)
    coordinators = []
    try:
        run(args, deb, work, image, guest, coordinators, figures)
    finally:
        guest.stop()
        for coordinator in coordinators:
            coordinator.stop()
    figures["total_s"] = time.monotonic() - started
    log("figures: " + ", ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}"
                                for k, v in figures.items()))
    log("PASS")
    if not args.work:
        shutil.rmtree(work)  # the overlay disk is hundreds of MB; kept only on failure


def coordinator_keys(args, work):
    """The host coordinator's CURVE key pair and its (empty) allow-list directory."""
    base = os.path.join(work, "coordinator")
    subprocess.run([args.keygen, base], check=True, stdout=subprocess.DEVNULL)
    os.makedirs(os.path.join(work, "clients"))
    return base


def new_coordinator(args, work, coordinators, port=None):
    curve = ["--set", f'server.curve_secret_key_file="{os.path.join(work, "coordinator.key")}"',
             "--set", f'server.curve_authorized_keys="{os.path.join(work, "clients")}"']
    coordinator = HostCoordinator(args.coordinator, work, f"coordinator-{len(coordinators) + 1}", curve)
    coordinators.append(coordinator)
    coordinator.start(port)
    return coordinator


def boot_raspi3b(guest, coordinator, image, figures, client):
    """Boots the installed disk on the Raspberry Pi 3 B board model (SD card, USB
    network, the Pi's device tree) and waits until the enabled service registers
    with the coordinator and has an update applied. The guest must be off."""
    dtb = os.path.join(image, "bcm2837-rpi-3-b.dtb")
    expect(os.path.exists(dtb), f"{dtb} missing: Debian's kernel package ships it")
    before = coordinator.client(client).get("updates", 0)
    hellos = coordinator.last_event().get("hellos", 0)
    guest.boot("raspi3b", dtb=dtb)
    guest.plug_usb_net(BOOT_TIMEOUT)
    coordinator.wait_for_updates(client, before + 1, BOOT_TIMEOUT + UPDATE_TIMEOUT)
    figures["raspi3b_boot_to_update_s"] = time.monotonic() - guest.started_at
    expect(coordinator.last_event().get("hellos", 0) > hellos, "no new registration from raspi3b")
    log(f"raspi3b: the client registered and had an update applied "
        f"{figures['raspi3b_boot_to_update_s']:.1f} s after power-on")
    guest.stop()  # no shared folder on this board model: pull the plug


def run(args, deb, work, image, guest, coordinators, figures):
    machine = f"virt-{args.arch}"
    guest.boot(machine)
    figures["boot_s"] = guest.wait_for_boot(1, BOOT_TIMEOUT)
    log(f"guest booted in {figures['boot_s']:.1f} s (agent running)")

    # Install offline: the root filesystem carries the Depends, dpkg -i needs nothing else.
    out = guest.check(f"dpkg -i {guest.put(deb)}", timeout=180)
    log("dpkg -i: " + out.strip().splitlines()[-1])
    expect(unit(guest, "UnitFileState")["UnitFileState"] == "disabled",
           "the package must leave enabling to the admin")
    # postinst made the board's key pair, the secret half root-only.
    expect(guest.check("stat -c %a /etc/fedgate/client.key").strip() == "600",
           "/etc/fedgate/client.key is not root-only")
    client_pub = guest.check("cat /etc/fedgate/client.pub")
    found = re.search(r'^public-key = "(.{40})"$', client_pub, re.M)
    expect(found, f"/etc/fedgate/client.pub holds no public key:\n{client_pub}")
    # Under CURVE the coordinator knows the client by its public key, not its name.
    client = found.group(1)

    # The key exchange an admin does: the board's public key onto the coordinator's
    # allow-list, the coordinator's public key onto the board.
    keys = coordinator_keys(args, work)
    with open(os.path.join(work, "clients", CLIENT + ".pub"), "w") as allowed:
        allowed.write(client_pub)
    guest.check(f"cp {guest.put(keys + '.pub')} /etc/fedgate/coordinator.pub")
    coordinator = new_coordinator(args, work, coordinators)
    port = coordinator.port

    # The admin's edit of the conffile: the coordinator on the host, a name.
    guest.check(f"sed -i 's|^connect = .*|connect = \"tcp://10.0.2.2:{port}\"|; "
                f"s|^# name = .*|name = \"{CLIENT}\"|' /etc/fedgate/client.toml && "
                f"grep -q '^name = \"{CLIENT}\"' /etc/fedgate/client.toml")

    if args.raspi3b_only:
        # Enabled, not started: its first run is the boot on the Pi's board model.
        guest.check(f"systemctl enable {UNIT}")
        guest.poweroff()
        boot_raspi3b(guest, coordinator, image, figures, client)
        return

    started = time.monotonic()
    guest.check(f"systemctl enable --now {UNIT}")
    coordinator.wait_for_updates(client, 1, UPDATE_TIMEOUT)
    figures["start_to_first_update_s"] = time.monotonic() - started
    log(f"systemctl start -> first applied update: {figures['start_to_first_update_s']:.1f} s")
    text = journal(guest)
    expect(re.search(rf"{CLIENT}: \d+ of \d+ samples \(iid split\), connecting to tcp://10.0.2.2:{port}", text),
           f"journal lacks the documented start line:\n{text}")
    first = wait_unit(guest, 30, ActiveState="active")

    if not args.short:
        # The coordinator goes away (no Bye) and comes back on the same address:
        # the service keeps running and the client registers again by itself.
        coordinator.kill()
        time.sleep(25)
        coordinator = new_coordinator(args, work, coordinators, port)
        took = coordinator.wait_for_updates(client, 1, UPDATE_TIMEOUT)
        now = unit(guest, "MainPID", "NRestarts", "ActiveState")
        expect(now["MainPID"] == first["MainPID"] and now["NRestarts"] == "0",
               f"the client was restarted across the coordinator's restart: {first} -> {now}")
        text = journal(guest)
        expect("registering again" in text and "coordinator answered again" in text,
               f"journal lacks the documented reconnect lines:\n{text}")
        figures["coordinator_back_to_update_s"] = took
        log(f"coordinator restart: same process {now['MainPID']}, update applied {took:.1f} s after it came back")

    # The client is killed: systemd restarts it (Restart=on-failure, 15 s later).
    before = coordinator.client(client).get("updates", 0)
    killed_at = time.monotonic()
    guest.check(f"systemctl kill -s KILL {UNIT}")
    restarted = wait_unit(guest, 90, NRestarts="1", ActiveState="active")
    expect(restarted["MainPID"] != first["MainPID"], "no new client process after the kill")
    coordinator.wait_for_updates(client, before + 1, UPDATE_TIMEOUT)
    figures["kill_to_update_s"] = time.monotonic() - killed_at
    log(f"client killed: systemd restarted it (pid {first['MainPID']} -> {restarted['MainPID']}), "
        f"update applied {figures['kill_to_update_s']:.1f} s after the kill")

    if not args.short:
        # The guest reboots: the enabled service comes back by itself.
        before = coordinator.client(client).get("updates", 0)
        rebooted_at = time.monotonic()
        guest.send("systemctl reboot")
        guest.wait_for_boot(2, BOOT_TIMEOUT)
        figures["reboot_s"] = time.monotonic() - rebooted_at
        coordinator.wait_for_updates(client, before + 1, UPDATE_TIMEOUT)
        figures["reboot_to_update_s"] = time.monotonic() - rebooted_at
        wait_unit(guest, 30, ActiveState="active")
        log(f"guest rebooted in {figures['reboot_s']:.1f} s; service back, update applied "
            f"{figures['reboot_to_update_s']:.1f} s after the reboot began")

        # Upgrade: the admin's conffile stays, the running client is restarted on the new binary.
        pid = unit(guest, "MainPID")["MainPID"]
        new_deb, new_version = upgraded_deb(deb, work)
        guest.check(f"dpkg -i {guest.put(new_deb)}", timeout=180)
        expect(guest.check("dpkg-query -W -f='${Version}' fedgate-client") == new_version,
               "the upgrade did not install")
        guest.check(f"grep -q 'tcp://10.0.2.2:{port}' /etc/fedgate/client.toml && "
                    f"grep -q '^name = \"{CLIENT}\"' /etc/fedgate/client.toml")
        expect(not guest.run("ls /etc/fedgate/client.toml.dpkg-*")[0] == 0, "dpkg left a conffile copy")
        upgraded = wait_unit(guest, 60, ActiveState="active")
        expect(upgraded["MainPID"] != pid, "the upgrade did not restart the running client")
        before = coordinator.client(client).get("updates", 0)
        coordinator.wait_for_updates(client, before + 1, UPDATE_TIMEOUT)
        log(f"upgraded to {new_version}: conffile kept, client restarted and training")

        if args.raspi3b:
            # The same disk on the Pi's board model: the enabled service starts at boot and trains.
            guest.poweroff()
            boot_raspi3b(guest, coordinator, image, figures, client)
            guest.boot(machine)
            guest.wait_for_boot(3, BOOT_TIMEOUT)

    # Removal stops the service and keeps the conffile; purge leaves nothing.
    guest.check("dpkg -r fedgate-client", timeout=180)
    expect(guest.run(f"systemctl is-active {UNIT}")[1].strip() in ("inactive", "unknown"),
           "the service still runs after dpkg -r")
    guest.check("! pgrep -x fedgate-client && ! test -e /usr/bin/fedgate-client && "
                f"! test -e /lib/systemd/system/{UNIT} && test -e /etc/fedgate/client.toml")
    guest.check("dpkg -P fedgate-client", timeout=180)
    leftovers = guest.run("ls -d /etc/fedgate /usr/bin/fedgate-client /lib/systemd/system/fedgate-client.service "
                          "/etc/systemd/system/*/fedgate-client.service 2>/dev/null; "
                          "dpkg -l fedgate-client 2>/dev/null | grep '^[a-z]'; "
                          "systemctl list-units --all --no-legend 'fedgate-client*'")[1].strip()
    expect(leftovers == "", f"leftovers after purge:\n{leftovers}")
    log("removed: service stopped, conffile kept; purged: no leftovers")

    guest.poweroff()


if __name__ == "__main__":
    main()
