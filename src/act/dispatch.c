/*
 * Dispatch: the registry (kernels.inc) as a table, CPU detection, and the
 * (op, direction) -> kernel table, filled once (pthread_once) and again when
 * act_set_max_isa changes the cap.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

static const struct act_kernel registry[] = {
#define ACT_KERNEL(op, OP, dir, DIR, isa, ISA, var)                                                   \
    {"act_f32_" #op "_" #dir "__" #isa "_" #var, ACT_OP_##OP, ACT_DIR_##DIR, ACT_ISA_##ISA,         \
     (void *)act_f32_##op##_##dir##__##isa##_##var},
#include "kernels.inc"
#undef ACT_KERNEL
};
#define REGISTRY_LEN (sizeof registry / sizeof registry[0])

static const char *const isa_names[ACT_ISA_COUNT] = {"scalar", "sse2", "avx2", "avx512", "neon"};

static const struct act_kernel *table[ACT_OP_COUNT][ACT_DIR_COUNT];
static enum act_isa_id max_isa = ACT_ISA_COUNT - 1;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

const char *act_isa_name(enum act_isa_id isa)
{
    return (unsigned)isa < ACT_ISA_COUNT ? isa_names[isa] : NULL;
}

static int isa_from_name(const char *name, enum act_isa_id *isa)
{
    for (int i = 0; i < ACT_ISA_COUNT; i++)
        if (name && !strcmp(name, isa_names[i])) {
            *isa = (enum act_isa_id)i;
            return 1;
        }
    return 0;
}

int act_cpu_has(enum act_isa_id isa)
{
    switch (isa) {
    case ACT_ISA_SCALAR:
        return 1;
#if defined(__x86_64__) || defined(__i386__)
    case ACT_ISA_SSE2:
        return __builtin_cpu_supports("sse2");
    case ACT_ISA_AVX2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case ACT_ISA_AVX512:
#ifdef ACTLAB_AVX512_SIMDE /* test-only build: the AVX-512 kernels run SIMDe's emulation on AVX2+FMA */
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#endif
#endif
#if defined(__aarch64__)
    case ACT_ISA_NEON:
        return 1;
#endif
    default:
        return 0;
    }
}

/* Pick, per (op, dir), the registered kernel of the highest ISA the CPU has, up to the cap
 * (among kernels of one ISA, the one registered last).
 * NEON and the x86 ISAs never coexist in one build, so the enum order is a preference order. */
static void fill_table(void)
{
    memset(table, 0, sizeof table);
    for (size_t i = 0; i < REGISTRY_LEN; i++) {
        const struct act_kernel *k = &registry[i];
        if (k->isa > max_isa || !act_cpu_has(k->isa))
            continue;
        const struct act_kernel **slot = &table[k->op][k->dir];
        if (!*slot || k->isa >= (*slot)->isa) /* the later line of one ISA wins */
            *slot = k;
    }
}

static void init_once(void)
{
    enum act_isa_id cap;
    const char *env = getenv("ACTLAB_MAX_ISA");
    if (env && isa_from_name(env, &cap)) /* an unknown value is ignored: the library never prints */
        max_isa = cap;
    fill_table();
}

const struct act_kernel *act_dispatch(enum act_op op, enum act_dir dir)
{
    pthread_once(&once, init_once);
    return table[op][dir];
}

const struct act_kernel *act_kernel_list(size_t *count)
{
    *count = REGISTRY_LEN;
    return registry;
}

ACT_API enum act_status act_set_max_isa(const char *isa)
{
    enum act_isa_id cap;
    if (!isa_from_name(isa, &cap))
        return ACT_ERR_INVALID_ARG;
    pthread_once(&once, init_once);
    pthread_mutex_lock(&lock);
    max_isa = cap;
    fill_table();
    pthread_mutex_unlock(&lock);
    return ACT_OK;
}

ACT_API const char *act_isa(void)
{
    pthread_once(&once, init_once);
    enum act_isa_id best = ACT_ISA_SCALAR;
    for (int op = 0; op < ACT_OP_COUNT; op++)
        for (int d = 0; d < ACT_DIR_COUNT; d++)
            if (table[op][d] && table[op][d]->isa > best)
                best = table[op][d]->isa;
    return isa_names[best];
}

ACT_API const char *act_kernel_name(enum act_op op, int dir)
{
    if ((int)op < 0 || (int)op >= ACT_OP_COUNT || dir < 0 || dir >= ACT_DIR_COUNT)
        return NULL;
    const struct act_kernel *k = act_dispatch(op, (enum act_dir)dir);
    return k ? k->name : NULL;
}
