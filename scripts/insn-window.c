/*
 * insn-window: a QEMU TCG plugin that counts the guest instructions executed between marker
 * functions, for scripts/footprint.sh.
 *
 * Arguments: mark=ADDR,end=ADDR (hexadecimal entry addresses of two functions). Each time the
 * code at `mark` starts executing, a window opens; the next time the code at `end` starts, the
 * window closes and its count is written as "insn-window N COUNT" to the plugin log (`-d plugin`,
 * optionally `-D FILE`). The instructions of `mark`'s own block are inside the window and those of
 * `end`'s block are not, so an empty window measures the markers' fixed overhead, which the
 * caller subtracts.
 *
 * Counting is per translation block: every block registers one execution callback that adds its
 * instruction count. A block always runs to its end unless an exception interrupts it, and the
 * measured code takes none, so the counts are exact (instructions, not cycles).
 *
 * No QEMU development headers are needed: Debian's QEMU packages ship none, so the few functions
 * of the stable plugin API used here are declared below, as QEMU's include/qemu/qemu-plugin.h
 * declares them.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t plugin_id;
struct qemu_plugin_tb;
struct plugin_info {
    const char *target_name;
    struct {
        int min;
        int cur;
    } version;
    bool system_emulation;
};
typedef void (*translate_fn)(plugin_id, struct qemu_plugin_tb *);
typedef void (*execute_fn)(unsigned int vcpu_index, void *userdata);
typedef void (*exit_fn)(plugin_id, void *userdata);

extern void qemu_plugin_register_vcpu_tb_trans_cb(plugin_id, translate_fn);
extern void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *, execute_fn,
                                                 int register_access, void *userdata);
extern size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *);
extern uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *);
extern void qemu_plugin_register_atexit_cb(plugin_id, exit_fn, void *userdata);
extern void qemu_plugin_outs(const char *);

#define EXPORT __attribute__((visibility("default")))
#define NO_REGISTER_ACCESS 0

/* The oldest plugin API version this file is written against (QEMU 8.x onwards accept it). */
EXPORT int qemu_plugin_version = 2;

enum role { PLAIN, OPENS, CLOSES };

/* What each translated block contributes; allocated once per translation, never freed
 * (QEMU keeps calling the callback for as long as the block is cached). */
struct block {
    uint64_t insns;
    enum role role;
};

static uint64_t mark_addr, end_addr;
static bool open_window;
static uint64_t window_insns;
static unsigned windows_closed;

static void emit(const char *fmt, unsigned long long a, unsigned long long b) {
    char line[96];
    snprintf(line, sizeof line, fmt, a, b);
    qemu_plugin_outs(line);
}

static void on_block(unsigned int vcpu_index, void *userdata) {
    const struct block *b = userdata;
    (void)vcpu_index;
    if (b->role == OPENS && !open_window) {
        open_window = true;
        window_insns = 0;
    } else if (b->role == CLOSES && open_window) {
        open_window = false;
        windows_closed++;
        emit("insn-window %llu %llu\n", windows_closed, window_insns);
    }
    if (open_window) {
        window_insns += b->insns;
    }
}

static void on_translate(plugin_id id, struct qemu_plugin_tb *tb) {
    struct block *b = malloc(sizeof *b);
    uint64_t pc = qemu_plugin_tb_vaddr(tb);
    (void)id;
    if (b == NULL) {
        return;
    }
    b->insns = qemu_plugin_tb_n_insns(tb);
    b->role = pc == mark_addr ? OPENS : pc == end_addr ? CLOSES : PLAIN;
    qemu_plugin_register_vcpu_tb_exec_cb(tb, on_block, NO_REGISTER_ACCESS, b);
}

static void on_guest_exit(plugin_id id, void *userdata) {
    (void)id;
    (void)userdata;
    emit("insn-windows closed %llu, open %llu\n", windows_closed, open_window);
}

static bool parse_address(const char *arg, const char *key, uint64_t *out) {
    size_t n = strlen(key);
    if (strncmp(arg, key, n) != 0 || arg[n] != '=') {
        return false;
    }
    *out = strtoull(arg + n + 1, NULL, 16);
    return true;
}

EXPORT int qemu_plugin_install(plugin_id id, const struct plugin_info *info, int argc,
                               char **argv) {
    (void)info;
    for (int i = 0; i < argc; i++) {
        if (!parse_address(argv[i], "mark", &mark_addr) &&
            !parse_address(argv[i], "end", &end_addr)) {
            fprintf(stderr, "insn-window: unknown argument %s\n", argv[i]);
            return -1;
        }
    }
    if (mark_addr == 0 || end_addr == 0 || mark_addr == end_addr) {
        fprintf(stderr, "insn-window: needs mark=ADDR,end=ADDR (distinct, hexadecimal)\n");
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, on_guest_exit, NULL);
    return 0;
}
