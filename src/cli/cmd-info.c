/* actlab info: the CPU's relevant features and the kernel dispatch picked for each op and direction. */
#include <stdio.h>
#include <string.h>

#include "actlab/act.h"
#include "cli.h"

static void cpu_features(void)
{
    printf("cpu features:");
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    /* __builtin_cpu_supports takes a string literal, hence a macro rather than a loop over names. */
#define FEAT(name) printf(" %s%s", __builtin_cpu_supports(name) ? "+" : "-", name)
    FEAT("sse2"), FEAT("sse4.1"), FEAT("avx"), FEAT("avx2"), FEAT("fma");
    FEAT("avx512f"), FEAT("avx512bw"), FEAT("avx512dq"), FEAT("avx512vl");
#undef FEAT
#elif defined(__aarch64__)
    printf(" +neon");
#endif
    printf("\n");
}

int cmd_info(int argc, char **argv)
{
    if (argc > 1) {
        if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
            printf("usage: actlab info\n\nShows the CPU features, the instruction set dispatch uses (capped by\n"
                   "ACTLAB_MAX_ISA=scalar|sse2|avx2|avx512) and the kernel picked per op.\n");
            return CLI_OK;
        }
        cli_error(argv[0], "unexpected argument '%s' (usage: actlab info)", argv[1]);
        return CLI_USAGE;
    }
    printf("libactlab %d.%d.%d\n", ACTLAB_VERSION_MAJOR, ACTLAB_VERSION_MINOR, ACTLAB_VERSION_PATCH);
    cpu_features();
#ifdef ACTLAB_AVX512_SIMDE
    printf("dispatch: %s (test build: the avx512 kernels run SIMDe's emulation on avx2+fma)\n\n", act_isa());
#else
    printf("dispatch: %s\n\n", act_isa());
#endif
    printf("%-12s %-36s %-36s %s\n", "op", "forward", "backward", "backward from y");
    for (int i = 0; i < ACT_OP_COUNT; i++) {
        const char *k[3];
        for (int d = 0; d < 3; d++) {
            k[d] = act_kernel_name((enum act_op)i, d);
            if (!k[d])
                k[d] = "-";
        }
        printf("%-12s %-36s %-36s %s\n", act_op_name((enum act_op)i), k[0], k[1], k[2]);
    }
    return CLI_OK;
}
