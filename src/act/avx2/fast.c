/* Float-lane forward kernels of the exp family for AVX2+FMA (simd/fast-impl.h). Built with -mavx2 -mfma. */
#include "../simd/vec-avx2.h"
#define UTAG u8
#include "../simd/fast-impl.h"
