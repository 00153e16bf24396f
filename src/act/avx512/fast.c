/* Float-lane kernels of the exp family and gelu for AVX-512 (simd/fast-impl.h). Built with the AVX-512 flags (this file only). */
#include "../simd/vec-avx512.h"
#define UTAG u16
#include "../simd/fast-impl.h"
