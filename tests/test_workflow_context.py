"""What patch mode reads besides the touched files (kgclint.patch.context)."""

from __future__ import annotations

from kgclint.patch.context import context_paths


def make(root, *names):
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")


def rel(root, paths):
    return sorted(str(p.relative_to(root)) or "." for p in paths)


def test_arch_file_brings_its_siblings_and_only_its_arch_scripts(tmp_path):
    make(tmp_path, "arch/arm/kernel/setup.c", "arch/arm/kernel/irq.c", "arch/arm/kernel/notes.txt",
         "arch/arm/kernel/vmlinux.lds.S", "arch/arm/boot/compressed/vmlinux.lds.S", "arch/x86/kernel/vmlinux.lds.S",
         "arch/arm/kernel/sub/deep.c")
    assert rel(tmp_path, context_paths(tmp_path, ["arch/arm/kernel/setup.c"], None)) == [
        "arch/arm/boot/compressed/vmlinux.lds.S", "arch/arm/kernel/irq.c", "arch/arm/kernel/setup.c",
        "arch/arm/kernel/vmlinux.lds.S",
    ]


def test_generic_header_brings_every_arch_kernel_script_and_the_include_folders(tmp_path):
    make(tmp_path, "include/linux/init.h", "include/linux/other.h", "arch/arm/kernel/vmlinux.lds.S",
         "arch/x86/kernel/vmlinux.lds.S", "arch/x86/boot/setup.ld")
    make(tmp_path, "arch/x86/include/asm/setup.h")
    assert rel(tmp_path, context_paths(tmp_path, ["include/linux/init.h"], None)) == [
        "arch/arm/kernel/vmlinux.lds.S", "arch/x86/include", "arch/x86/kernel/vmlinux.lds.S", "include",
        "include/linux/init.h",
    ]


def test_new_file_found_through_its_nearest_existing_folder_and_arch_option_wins(tmp_path):
    make(tmp_path, "drivers/a.c", "arch/arm/kernel/vmlinux.lds.S", "arch/x86/kernel/vmlinux.lds.S")
    assert rel(tmp_path, context_paths(tmp_path, ["drivers/new/sub/x.c"], "x86")) == [
        "arch/x86/kernel/vmlinux.lds.S", "drivers",
    ]


def test_walkers_of_unkept_script_tables_are_read(tmp_path):
    make(tmp_path, "drivers/x.c")
    (tmp_path / "arch/arm/kernel").mkdir(parents=True)
    (tmp_path / "arch/arm/kernel/vmlinux.lds.S").write_text(
        "SECTIONS {\n .data : {\n  __tbl_begin = .;\n  *(.tbl)\n  __tbl_end = .;\n"
        "  __kept_begin = .;\n  KEEP(*(.kept))\n  __kept_end = .;\n }\n}\n"
    )
    (tmp_path / "kernel").mkdir()
    (tmp_path / "kernel/walk.c").write_text("extern int __tbl_begin[];\n")
    (tmp_path / "kernel/kept.c").write_text("extern int __kept_begin[];\n")
    (tmp_path / "kernel/other.c").write_text("int __tbl_beginning;\n")
    assert rel(tmp_path, context_paths(tmp_path, ["drivers/x.c"], "x86_64")) == [
        "arch/arm/kernel/vmlinux.lds.S", "drivers/x.c", "kernel/walk.c",
    ]
