"""The seccomp filter every sandboxed command runs under, built with libseccomp (via pyseccomp).

Everything is allowed except the calls a test suite never needs and an escape always does: new
mounts and namespaces, tracing or reading other processes, the kernel keyring, BPF and perf,
modules, reboot/kexec, and handle-based opens. Denied calls fail with EPERM, so a program that
probes for them sees an ordinary "not permitted" rather than being killed; `clone3` fails with
ENOSYS so libc falls back to `clone`, whose namespace flags the filter can inspect.
"""

import contextlib
import errno
import os
import termios

DENIED_SYSCALLS = (
    # filesystems and namespaces
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns",
    "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr",
    # other processes' memory and the tracing interface
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    # the kernel keyring, eBPF, perf counters
    "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
    # the machine itself
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "reboot", "swapon", "swapoff", "acct", "quotactl", "syslog", "iopl", "ioperm",
    "open_by_handle_at", "name_to_handle_at", "lookup_dcookie",
)  # fmt: skip
# io_uring runs syscalls the filter cannot see; runtimes fall back to plain I/O on ENOSYS.
UNAVAILABLE_SYSCALLS = ("clone3", "io_uring_setup", "io_uring_enter", "io_uring_register")
_NAMESPACE_FLAGS = (
    0x10000000,  # CLONE_NEWUSER
    0x00020000,  # CLONE_NEWNS
    0x20000000,  # CLONE_NEWPID
    0x40000000,  # CLONE_NEWNET
    0x08000000,  # CLONE_NEWIPC
    0x04000000,  # CLONE_NEWUTS
    0x02000000,  # CLONE_NEWCGROUP
)


def seccomp_program_fd() -> int:
    """An open, rewound file descriptor holding the compiled BPF program (for bwrap's --seccomp)."""
    import pyseccomp as seccomp

    deny = seccomp.ERRNO(errno.EPERM)
    policy = seccomp.SyscallFilter(seccomp.ALLOW)
    for name in DENIED_SYSCALLS:
        _add(policy, deny, name)
    for name in UNAVAILABLE_SYSCALLS:
        _add(policy, seccomp.ERRNO(errno.ENOSYS), name)
    for flag in _NAMESPACE_FLAGS:
        policy.add_rule(deny, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    # TIOCSTI pushes keystrokes into the controlling terminal: an escape through the user's shell.
    policy.add_rule(deny, "ioctl", seccomp.Arg(1, seccomp.MASKED_EQ, 0xFFFFFFFF, termios.TIOCSTI))
    fd = os.memfd_create("sleuth-seccomp", 0)
    with os.fdopen(os.dup(fd), "wb") as handle:
        policy.export_bpf(handle)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _add(policy: object, action: int, name: str) -> None:
    # A call this architecture does not have (libseccomp: EINVAL) cannot be made either.
    with contextlib.suppress(OSError):
        policy.add_rule(action, name)  # type: ignore[attr-defined]
