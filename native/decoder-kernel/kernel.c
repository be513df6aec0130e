/*
 * samkit's prompt-decoder kernel: the per-prompt part of the SAM mask decoder (prompt encoding, the
 * two-way transformer's token side on the low-rank image factors, the IoU head, the hypernetwork
 * MLPs and the mask head over a grid extent) as one function, compiled to WebAssembly with SIMD.
 *
 * It computes exactly what the low-rank prompt graph computes (src/model/lowrank-decoder.ts, whose
 * comments derive the algebra), in the same float32 formulas; only the order of float operations
 * differs. Weights and the per-image tensors are written into this module's memory by the host
 * (src/kernel/decoder-kernel.ts) into the slots below; the architecture's sizes are fixed here and
 * checked by the host before anything runs.
 *
 * No libc: exp and erf are written below (float32, within a few ulps); sin and cos come from the host.
 */
#include <wasm_simd128.h>

typedef unsigned int u32;
typedef unsigned long size_t;

#define D 256      /* transformer width */
#define CD 128     /* cross-attention inner width */
#define H 8        /* heads */
#define HC 16      /* cross-attention head width */
#define SH 32      /* self-attention head width */
#define MLP 2048   /* transformer MLP width */
#define NTOK 5     /* output tokens: IoU token + 4 mask tokens */
#define NMASK 4
#define GRID 64
#define P (GRID * GRID)
#define C1OUT 64   /* first transposed convolution's channels */
#define C2OUT 32   /* second transposed convolution's channels (hypernetwork output) */
#define NF (2 * CD + 4 * C1OUT) /* final keys | values | first convolution: 512 */
#define MAXPOINTS 64

__attribute__((import_module("env"), import_name("sin"))) extern float host_sin(float);
__attribute__((import_module("env"), import_name("cos"))) extern float host_cos(float);

#ifdef PROFILE
__attribute__((import_module("env"), import_name("now"))) extern double host_now(void);
static double prof[32];
static double prof_t;
__attribute__((export_name("kernel_profile"))) double *kernel_profile(void) { return prof; }
#define TICK(i) do { double _n = host_now(); prof[i] += _n - prof_t; prof_t = _n; } while (0)
#define TSTART() (prof_t = host_now())
#else
#define TICK(i) do {} while (0)
#define TSTART() do {} while (0)
#endif

/* ---------------- memory ---------------- */

extern unsigned char __heap_base;
static size_t heap_top = 0;

static void *bump(size_t bytes) {
  if (!heap_top) heap_top = ((size_t)&__heap_base + 63) & ~(size_t)63;
  size_t at = heap_top;
  size_t end = (at + bytes + 63) & ~(size_t)63;
  size_t have = __builtin_wasm_memory_size(0) * 65536ul;
  if (end > have) {
    size_t pages = (end - have + 65535) / 65536;
    if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) return 0;
  }
  heap_top = end;
  return (void *)at;
}

/** Persistent allocation for the host (weights, image tensors). */
__attribute__((export_name("kernel_alloc"))) void *kernel_alloc(u32 bytes) { return bump(bytes); }

/* Per-prompt scratch: a region reset at each call. */
static unsigned char *scratch = 0;
static size_t scratch_size = 0, scratch_used = 0;

static float *salloc(size_t floats) {
  size_t bytes = (floats * 4 + 63) & ~(size_t)63;
  if (scratch_used + bytes > scratch_size) return 0;
  float *p = (float *)(scratch + scratch_used);
  scratch_used += bytes;
  return p;
}

/* ---------------- slots ---------------- */

enum {
  /* prompt encoder */
  S_GAUSS, S_NAP, S_PEMB, S_OUTTOK, S_PECONST,
  /* self attention of layers 0 and 1: q, k, v, o weights and biases */
  S_SA0_QW, S_SA0_QB, S_SA0_KW, S_SA0_KB, S_SA0_VW, S_SA0_VB, S_SA0_OW, S_SA0_OB,
  S_SA1_QW, S_SA1_QB, S_SA1_KW, S_SA1_KB, S_SA1_VW, S_SA1_VB, S_SA1_OW, S_SA1_OB,
  /* cross attentions: token-to-image 0 and 1, image-to-token 0 and 1, final */
  S_T2I0_QW, S_T2I0_QB, S_T2I0_OW, S_T2I0_OB,
  S_I2T0_KW, S_I2T0_KB, S_I2T0_VW, S_I2T0_VB, S_I2T0_OW,
  S_T2I1_QW, S_T2I1_QB, S_T2I1_OW, S_T2I1_OB,
  S_I2T1_KW, S_I2T1_KB, S_I2T1_VW, S_I2T1_VB, S_I2T1_OW,
  S_FIN_QW, S_FIN_QB, S_FIN_OW, S_FIN_OB,
  /* layer norms (gamma, beta) and their epsilons */
  S_N01G, S_N01B, S_N02G, S_N02B, S_N03G, S_N03B,
  S_N11G, S_N11B, S_N12G, S_N12B, S_N13G, S_N13B,
  S_NFG, S_NFB, S_EPS,
  /* MLPs */
  S_M0_W1, S_M0_B1, S_M0_W2, S_M0_B2, S_M1_W1, S_M1_B1, S_M1_W2, S_M1_B2,
  /* IoU head, hypernetworks (4 x 3 layers) */
  S_IOU_W0, S_IOU_B0, S_IOU_W1, S_IOU_B1, S_IOU_W2, S_IOU_B2,
  S_HYP_W0, S_HYP_B0, S_HYP_W1, S_HYP_B1, S_HYP_W2, S_HYP_B2,
  /* derived low-rank weights */
  S_W1G, S_G1, S_CB, S_C1V, S_WFG, S_WF2, S_CONSTROWS, S_CT2W, S_CT2B, S_LN2G, S_LN2B,
  /* the mask input: the export's mask downscaling (two 2x2 stride-2 convolutions, each with a
     LayerNorm2d and GELU; taps rearranged to [dy][dx][out] and [in][dy][dx][out]), and the dense
     factors' products with the per-image tensors' weights (see the mask input section) */
  S_MD0W, S_MD0B, S_MD1G, S_MD1B, S_MD3W, S_MD3B, S_MD4G, S_MD4B, S_MDEPS,
  S_DCOR, S_DGY, S_DGG, S_DEC, S_DUG, S_DCONST,
  /* per-image tensors (the low-rank image graph's outputs) */
  I_K0T, I_V0H, I_Q0T, I_YCWO0T, I_YCN, I_YCGWO0T, I_YCWO1T, I_YCG1S, I_YCCB, I_YCG1N, I_YCG1M,
  I_S1KT, I_S1VH, I_S1QT, I_C1KT, I_C1QT, I_SFKT, I_SFVH, I_SFC, I_CFKT,
  N_SLOTS
};

/* eps slot: n01 n02 n03 n11 n12 n13 nfinal n40 n41 ln2d */
enum { E_N01, E_N02, E_N03, E_N11, E_N12, E_N13, E_NF, E_N40, E_N41, E_LN2D };
/* pe constants: (coords + c0) / c1 * c2 - c3, projection scale c4 */

static const float *slot[N_SLOTS];

__attribute__((export_name("kernel_slots"))) const float **kernel_slots(void) { return slot; }
__attribute__((export_name("kernel_slot_count"))) u32 kernel_slot_count(void) { return N_SLOTS; }

/** Reserve the per-prompt scratch for prompts of up to max_points points; 0 when memory runs out. */
__attribute__((export_name("kernel_reserve"))) u32 kernel_reserve(u32 max_points) {
  size_t t = NTOK + max_points;
  size_t k = 16 * t + 3;
  /* [8T, P] buffers and [K, P] buffers, plus small ones (generous) */
  size_t floats = (size_t)14 * 8 * t * P + (size_t)4 * k * P + (size_t)8 * P + (size_t)64 * 1024 + (size_t)k * NF * 2 + (size_t)GRID * 16 * 128 * 3;
  scratch = bump(floats * 4 + 64 * 64);
  if (!scratch) return 0;
  scratch_size = floats * 4 + 64 * 64;
  return 1;
}

/* ---------------- math ---------------- */

static inline v128_t vexp(v128_t x) {
  /* exp(x) = 2^n * exp(r), |r| <= ln2/2, exp(r) by its Taylor polynomial to r^7 (error < 1e-8);
     n rounded with the 1.5 * 2^23 trick, whose low mantissa bits are n itself */
  x = wasm_f32x4_pmax(wasm_f32x4_pmin(x, wasm_f32x4_splat(88.3762626647949f)), wasm_f32x4_splat(-87.33654475f));
  const v128_t magic = wasm_f32x4_splat(12582912.0f);
  v128_t big = wasm_f32x4_add(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)), magic);
  v128_t n = wasm_f32x4_sub(big, magic);
  v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693359375f)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(-2.12194440e-4f)));
  v128_t p = wasm_f32x4_splat(1.0f / 5040.0f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 720.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 120.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 24.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 6.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(0.5f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f));
  v128_t e = wasm_i32x4_add(wasm_i32x4_shl(big, 23), wasm_i32x4_splat(127 << 23));
  return wasm_f32x4_mul(p, e);
}

static inline float sexp(float x) { return wasm_f32x4_extract_lane(vexp(wasm_f32x4_splat(x)), 0); }

/*
 * erf(x) = sign(x) (1 - (1 + a1 z + ... + a6 z^6)^-16), z = |x|: Abramowitz & Stegun 7.1.28
 * (absolute error < 3e-7), no exp, one division.
 */
static inline v128_t verf(v128_t x) {
  v128_t z = wasm_f32x4_abs(x);
  v128_t p = wasm_f32x4_splat(0.0000430638f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), wasm_f32x4_splat(0.0002765672f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), wasm_f32x4_splat(0.0001520143f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), wasm_f32x4_splat(0.0092705272f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), wasm_f32x4_splat(0.0422820123f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), wasm_f32x4_splat(0.0705230784f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, z), wasm_f32x4_splat(1.0f));
  p = wasm_f32x4_mul(p, p);
  p = wasm_f32x4_mul(p, p);
  p = wasm_f32x4_mul(p, p);
  p = wasm_f32x4_mul(p, p);
  v128_t r = wasm_f32x4_sub(wasm_f32x4_splat(1.0f), wasm_f32x4_div(wasm_f32x4_splat(1.0f), p));
  return wasm_v128_or(r, wasm_v128_and(x, wasm_i32x4_splat((int)0x80000000u)));
}

/* GELU as the export computes it: x * (erf(x / sqrt2) + 1) * 0.5 */
static inline v128_t vgelu(v128_t x) {
  v128_t e = verf(wasm_f32x4_mul(x, wasm_f32x4_splat(0.707106781186547524f)));
  return wasm_f32x4_mul(wasm_f32x4_mul(x, wasm_f32x4_add(e, wasm_f32x4_splat(1.0f))), wasm_f32x4_splat(0.5f));
}

static inline float vsum(v128_t v) {
  return (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) + (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
}

#define LD(p) wasm_v128_load(p)
#define ST(p, v) wasm_v128_store(p, v)
#define MUL wasm_f32x4_mul
#define ADD wasm_f32x4_add
#define SPL wasm_f32x4_splat
#ifdef RELAXED
/*
 * a * b + c in one instruction (the relaxed-SIMD build, for engines that have it). Debian's clang 14
 * only knows the relaxed-SIMD proposal's prototype f32x4.fma (opcode 0xaf); scripts/build-kernel.mjs
 * rewrites each one to the standard f32x4.relaxed_madd (0x105), which takes the same operands
 * (a, b, c) and computes a * b + c, fused or not as the CPU does.
 */
#define MADD(a, b, c) ((v128_t)__builtin_wasm_fma_f32x4((__f32x4)(a), (__f32x4)(b), (__f32x4)(c)))
#else
#define MADD(a, b, c) ADD(c, MUL(a, b))
#endif

/* y[n] += a * x[n], n a multiple of 4 */
static void axpy(float *restrict y, const float *restrict x, float a, int n) {
  v128_t va = SPL(a);
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    ST(y + i, MADD(va, LD(x + i), LD(y + i)));
    ST(y + i + 4, MADD(va, LD(x + i + 4), LD(y + i + 4)));
    ST(y + i + 8, MADD(va, LD(x + i + 8), LD(y + i + 8)));
    ST(y + i + 12, MADD(va, LD(x + i + 12), LD(y + i + 12)));
  }
  for (; i < n; i += 4) ST(y + i, MADD(va, LD(x + i), LD(y + i)));
}

static float dot(const float *a, const float *b, int n) {
  v128_t s0 = SPL(0), s1 = SPL(0);
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    s0 = MADD(LD(a + i), LD(b + i), s0);
    s1 = MADD(LD(a + i + 4), LD(b + i + 4), s1);
  }
  for (; i < n; i += 4) s0 = MADD(LD(a + i), LD(b + i), s0);
  return vsum(ADD(s0, s1));
}

/* R rows (R <= 4, a constant at each call) of C = I + A . B (I: null, C itself or another
   matrix with row stride ldi), in blocks of 8 columns then 4 */
static inline __attribute__((always_inline)) void nn_rows(const int R, int N, int K, const float *A, int ars, int acs, const float *B, int ldb, float *C, int ldc, const float *I, int ldi) {
  int n = 0;
  for (; n + 8 <= N; n += 8) {
    v128_t x[4][2];
    for (int r = 0; r < R; r++) { x[r][0] = SPL(0); x[r][1] = SPL(0); }
    const float *b = B + n;
    for (int k = 0; k < K; k++, b += ldb) {
      v128_t b0 = LD(b), b1 = LD(b + 4);
      for (int r = 0; r < R; r++) {
        v128_t sc = SPL(A[r * ars + k * acs]);
        x[r][0] = MADD(sc, b0, x[r][0]);
        x[r][1] = MADD(sc, b1, x[r][1]);
      }
    }
    for (int r = 0; r < R; r++) {
      float *c = C + r * ldc + n;
      if (I) { const float *i0 = I + r * ldi + n; x[r][0] = ADD(x[r][0], LD(i0)); x[r][1] = ADD(x[r][1], LD(i0 + 4)); }
      ST(c, x[r][0]); ST(c + 4, x[r][1]);
    }
  }
  for (; n < N; n += 4) {
    v128_t x[4];
    for (int r = 0; r < R; r++) x[r] = SPL(0);
    const float *b = B + n;
    for (int k = 0; k < K; k++, b += ldb) {
      v128_t b0 = LD(b);
      for (int r = 0; r < R; r++) x[r] = MADD(SPL(A[r * ars + k * acs]), b0, x[r]);
    }
    for (int r = 0; r < R; r++) {
      float *c = C + r * ldc + n;
      if (I) x[r] = ADD(x[r], LD(I + r * ldi + n));
      ST(c, x[r]);
    }
  }
}

/* C[m, n] = I[m, n] + sum_k A[m*ars + k*acs] * B[k*ldb + n]   (n a multiple of 4), 4 rows at a time */
static void gemm_nn_init(int M, int N, int K, const float *A, int ars, int acs, const float *B, int ldb, float *C, int ldc, const float *I, int ldi) {
  int m = 0;
  for (; m + 4 <= M; m += 4) nn_rows(4, N, K, A + m * ars, ars, acs, B, ldb, C + m * ldc, ldc, I ? I + m * ldi : 0, ldi);
  const float *Im = I ? I + m * ldi : 0;
  switch (M - m) {
    case 3: nn_rows(3, N, K, A + m * ars, ars, acs, B, ldb, C + m * ldc, ldc, Im, ldi); break;
    case 2: nn_rows(2, N, K, A + m * ars, ars, acs, B, ldb, C + m * ldc, ldc, Im, ldi); break;
    case 1: nn_rows(1, N, K, A + m * ars, ars, acs, B, ldb, C + m * ldc, ldc, Im, ldi); break;
    default: break;
  }
}

/* C[m, n] (+)= sum_k A[m*ars + k*acs] * B[k*ldb + n] */
static void gemm_nn(int M, int N, int K, const float *A, int ars, int acs, const float *B, int ldb, float *C, int ldc, int accumulate) {
  gemm_nn_init(M, N, K, A, ars, acs, B, ldb, C, ldc, accumulate ? C : 0, ldc);
}

/*
 * Wide products over the 4096 positions are cut into column panels, each copied into a contiguous
 * buffer first: B's rows are 16 KB apart, which maps them all onto the same few cache sets.
 */
#define PANEL 64
#define PACK_ROWS (16 * (NTOK + MAXPOINTS) + 3)
static float pack_b[PACK_ROWS * PANEL] __attribute__((aligned(16)));
static float pack_a[PACK_ROWS * PANEL] __attribute__((aligned(16)));

static void gemm_nn_panels_init(int M, int N, int K, const float *A, int ars, int acs, const float *B, int ldb, float *C, int ldc, const float *I, int ldi, float *pack) {
  for (int n = 0; n < N; n += PANEL) {
    int w = N - n < PANEL ? N - n : PANEL;
    for (int k = 0; k < K; k++) {
      const float *src = B + (size_t)k * ldb + n;
      float *dst = pack + k * w;
      for (int j = 0; j < w; j += 4) ST(dst + j, LD(src + j));
    }
    gemm_nn_init(M, w, K, A, ars, acs, pack, w, C + n, ldc, I ? I + n : 0, ldi);
  }
}

static void gemm_nn_panels(int M, int N, int K, const float *A, int ars, int acs, const float *B, int ldb, float *C, int ldc, int accumulate) {
  gemm_nn_panels_init(M, N, K, A, ars, acs, B, ldb, C, ldc, accumulate ? C : 0, ldc, pack_b);
}

/* C[m, n] (+)= sum_{l < L} A[m*lda + l] * B[n*ldb + l]   (L a multiple of 4); 2 x 4 blocks */
static void gemm_nt_block(int M, int N, int L, const float *A, int lda, const float *B, int ldb, float *C, int ldc, int accumulate) {
  int m = 0;
  for (; m + 2 <= M; m += 2) {
    const float *a0 = A + m * lda, *a1 = a0 + lda;
    int n = 0;
    for (; n + 4 <= N; n += 4) {
      const float *b0 = B + n * ldb, *b1 = b0 + ldb, *b2 = b1 + ldb, *b3 = b2 + ldb;
      v128_t x00 = SPL(0), x01 = SPL(0), x02 = SPL(0), x03 = SPL(0), x10 = SPL(0), x11 = SPL(0), x12 = SPL(0), x13 = SPL(0);
      for (int l = 0; l < L; l += 4) {
        v128_t u = LD(a0 + l), v = LD(a1 + l), w;
        w = LD(b0 + l); x00 = MADD(u, w, x00); x10 = MADD(v, w, x10);
        w = LD(b1 + l); x01 = MADD(u, w, x01); x11 = MADD(v, w, x11);
        w = LD(b2 + l); x02 = MADD(u, w, x02); x12 = MADD(v, w, x12);
        w = LD(b3 + l); x03 = MADD(u, w, x03); x13 = MADD(v, w, x13);
      }
      float *c0 = C + m * ldc + n, *c1 = c0 + ldc;
      if (!accumulate) { c0[0] = c0[1] = c0[2] = c0[3] = c1[0] = c1[1] = c1[2] = c1[3] = 0; }
      c0[0] += vsum(x00); c0[1] += vsum(x01); c0[2] += vsum(x02); c0[3] += vsum(x03);
      c1[0] += vsum(x10); c1[1] += vsum(x11); c1[2] += vsum(x12); c1[3] += vsum(x13);
    }
    for (; n < N; n++) {
      float u = dot(a0, B + n * ldb, L), v = dot(a1, B + n * ldb, L);
      if (accumulate) { C[m * ldc + n] += u; C[(m + 1) * ldc + n] += v; } else { C[m * ldc + n] = u; C[(m + 1) * ldc + n] = v; }
    }
  }
  for (; m < M; m++) for (int n = 0; n < N; n++) {
    float u = dot(A + m * lda, B + n * ldb, L);
    if (accumulate) C[m * ldc + n] += u; else C[m * ldc + n] = u;
  }
}

/* C = A . B^T over long rows, in panels of the rows, packed (see gemm_nn_panels) */
static void gemm_nt_packed(int M, int N, int L, const float *A, int lda, const float *B, int ldb, float *C, int ldc, float *pa, float *pb) {
  enum { LP = 64 };
  for (int l = 0; l < L; l += LP) {
    int w = L - l < LP ? L - l : LP;
    for (int m = 0; m < M; m++) for (int j = 0; j < w; j += 4) ST(pa + m * w + j, LD(A + (size_t)m * lda + l + j));
    for (int n = 0; n < N; n++) for (int j = 0; j < w; j += 4) ST(pb + n * w + j, LD(B + (size_t)n * ldb + l + j));
    gemm_nt_block(M, N, w, pa, w, pb, w, C, ldc, l > 0);
  }
}

/* ---------------- token-side helpers ---------------- */

/* y[T, out] = x[T, in] . W[in, out] + b */
static void gemm_nn(int M, int N, int K, const float *A, int ars, int acs, const float *B, int ldb, float *C, int ldc, int accumulate);

static void linear(const float *x, int T, int in, const float *W, const float *b, int out, float *y) {
  gemm_nn(T, out, in, x, in, 1, W, out, y, out, 0);
  for (int t = 0; t < T; t++) for (int j = 0; j < out; j++) y[t * out + j] += b[j];
}

static void relu(float *x, int n) { for (int i = 0; i < n; i++) x[i] = x[i] > 0 ? x[i] : 0; }

/* LayerNormalization over rows of 256 */
static void layer_norm(float *x, int T, const float *g, const float *b, float eps) {
  for (int t = 0; t < T; t++) {
    float *r = x + t * D;
    float s = 0;
    for (int i = 0; i < D; i++) s += r[i];
    float mean = s / D;
    float v = 0;
    for (int i = 0; i < D; i++) { float d = r[i] - mean; v += d * d; }
    float inv = 1.0f / __builtin_sqrtf(v / D + eps);
    for (int i = 0; i < D; i++) r[i] = (r[i] - mean) * inv * g[i] + b[i];
  }
}

static void softmax_row(float *x, int n) {
  float m = x[0];
  for (int i = 1; i < n; i++) m = x[i] > m ? x[i] : m;
  float s = 0;
  for (int i = 0; i < n; i++) { x[i] = sexp(x[i] - m); s += x[i]; }
  for (int i = 0; i < n; i++) x[i] /= s;
}

/* softmax over 4096 positions (n a multiple of 4) */
static void softmax_wide(float *x, int n) {
  v128_t m = LD(x);
  for (int i = 4; i < n; i += 4) m = wasm_f32x4_pmax(m, LD(x + i));
  float mx = wasm_f32x4_extract_lane(m, 0);
  for (int l = 1; l < 4; l++) { float v = l == 1 ? wasm_f32x4_extract_lane(m, 1) : l == 2 ? wasm_f32x4_extract_lane(m, 2) : wasm_f32x4_extract_lane(m, 3); mx = v > mx ? v : mx; }
  v128_t vm = SPL(mx), s = SPL(0);
  for (int i = 0; i < n; i += 4) { v128_t e = vexp(wasm_f32x4_sub(LD(x + i), vm)); ST(x + i, e); s = ADD(s, e); }
  v128_t inv = SPL(1.0f / vsum(s));
  for (int i = 0; i < n; i += 4) ST(x + i, MUL(LD(x + i), inv));
}

/* Plain multi-head attention among the T tokens (width 256, 8 heads of 32). */
static void token_attention(const float *q, const float *k, const float *v, int T, int base, float *out) {
  const float **w = slot + base; /* QW QB KW KB VW VB OW OB */
  float *qp = salloc(T * D), *kp = salloc(T * D), *vp = salloc(T * D), *o = salloc(T * D), *sc = salloc(T);
  linear(q, T, D, w[0], w[1], D, qp);
  linear(k, T, D, w[2], w[3], D, kp);
  linear(v, T, D, w[4], w[5], D, vp);
  const float scale = 5.65685415f; /* fround(sqrt(32)) */
  for (int h = 0; h < H; h++) {
    for (int t = 0; t < T; t++) {
      for (int u = 0; u < T; u++) {
        float s = 0;
        for (int c = 0; c < SH; c++) s += qp[t * D + h * SH + c] * kp[u * D + h * SH + c];
        sc[u] = s / scale;
      }
      softmax_row(sc, T);
      for (int c = 0; c < SH; c++) {
        float s = 0;
        for (int u = 0; u < T; u++) s += sc[u] * vp[u * D + h * SH + c];
        o[t * D + h * SH + c] = s;
      }
    }
  }
  linear(o, T, D, w[6], w[7], D, out);
}

static void mlp_block(const float *x, int T, int base, float *out) {
  float *h = salloc(T * MLP);
  linear(x, T, D, slot[base], slot[base + 1], MLP, h);
  relu(h, T * MLP);
  linear(h, T, MLP, slot[base + 2], slot[base + 3], D, out);
}

/* [T, 128] projection of x as heads [8, T, 16], divided by `div` */
static void heads_of(const float *x, int T, const float *W, const float *b, float div, float *out) {
  float *y = salloc(T * CD);
  linear(x, T, D, W, b, CD, y);
  for (int h = 0; h < H; h++)
    for (int t = 0; t < T; t++)
      for (int c = 0; c < HC; c++) out[(h * T + t) * HC + c] = y[t * CD + h * HC + c] / div;
}

/* value . out_proj per head: m[8T, 256] from vt [8, T, 16] and Wo [128, 256] */
static void value_out(const float *vt, int T, const float *Wo, float *m) {
  for (int h = 0; h < H; h++)
    gemm_nn(T, D, HC, vt + h * T * HC, HC, 1, Wo + h * HC * D, D, m + h * T * D, D, 0);
}

/* merge heads [8, T, 16] -> [T, 128] */
static void merge_heads(const float *x, int T, float *y) {
  for (int h = 0; h < H; h++)
    for (int t = 0; t < T; t++)
      for (int c = 0; c < HC; c++) y[t * CD + h * HC + c] = x[(h * T + t) * HC + c];
}

/*
 * sum_k f[k, i] * (G . f)[k, i] for a symmetric Gram matrix G [K, K] of factors f [K, P], added
 * into acc[P]: the upper triangle only, sum_k f_k (G_kk f_k + 2 sum_{j>k} G_kj f_j), per panel.
 */
static void quad_form_cols(const float *G, const float *f, int K, float *acc, float *pack, int i0, int cnt) {
  enum { QP = 16 };
  for (int n = i0; n < i0 + cnt; n += QP) {
    v128_t tot[QP / 4];
    for (int q = 0; q < QP / 4; q++) tot[q] = SPL(0);
    /* this panel of the factors, contiguous (their rows are 16 KB apart) */
    for (int k = 0; k < K; k++) for (int q = 0; q < QP / 4; q++) ST(pack + k * QP + 4 * q, LD(f + (size_t)k * P + n + 4 * q));
    const float *fp = pack;
    for (int k = 0; k < K; k++) {
      const float *fk = fp + k * QP;
      v128_t s[QP / 4];
      v128_t gkk = SPL(G[k * K + k]);
      for (int q = 0; q < QP / 4; q++) s[q] = MUL(gkk, LD(fk + 4 * q));
      for (int j = k + 1; j < K; j++) {
        v128_t g = SPL(2.0f * G[k * K + j]);
        const float *fj = fp + j * QP;
        for (int q = 0; q < QP / 4; q++) s[q] = MADD(g, LD(fj + 4 * q), s[q]);
      }
      for (int q = 0; q < QP / 4; q++) tot[q] = MADD(LD(fk + 4 * q), s[q], tot[q]);
    }
    for (int q = 0; q < QP / 4; q++) ST(acc + n + 4 * q, ADD(LD(acc + n + 4 * q), tot[q]));
  }
}

static void quad_form(const float *G, const float *f, int K, float *acc, float *pack) { quad_form_cols(G, f, K, acc, pack, 0, P); }

/* G[K, K] = R R^T for rows R [K, 256] */
static void gram(const float *R, int K, float *G) {
  for (int a = 0; a < K; a++)
    for (int b = a; b < K; b++) { float s = dot(R + a * D, R + b * D, D); G[a * K + b] = s; G[b * K + a] = s; }
}

static void mlp3(const float *x, const float *w0, const float *b0, const float *w1, const float *b1, const float *w2, const float *b2, int out, float *y) {
  float h0[D], h1[D];
  linear(x, 1, D, w0, b0, D, h0);
  relu(h0, D);
  linear(h0, 1, D, w1, b1, D, h1);
  relu(h1, D);
  linear(h1, 1, D, w2, b2, out, y);
}

/* ---------------- the helper threads ---------------- */

/*
 * The threaded build (THREADS: shared memory) can run more instances of this module on the same
 * memory in other threads (the page's kernel helper workers, up to MAX_HELPERS): each calls
 * kernel_helper_run, which waits for jobs and shares the main instance's independent work items:
 * column chunks of the token side's per-position stages, rows of its wide softmaxes, heads and row
 * blocks of its products, the mask head's rows and the mask input's corrections. All threads take
 * items from one counter, so a busy core only takes fewer, and each item is computed by the same
 * code whichever thread runs it: the outputs are the single-threaded build's, bit for bit (where
 * the engine runs every thread on the same compiler tier: relaxed SIMD's multiply-add may be fused
 * in one tier and not in another). Statics are shared by all instances; each has its own stack (the
 * host sets a helper's __stack_pointer) and its own scratch (a lane). Without a helper (or in the
 * other builds) the main instance does every item itself.
 */

/* A thread's scratch: packing buffers for the products, the mask head's row buffers. */
struct lane { float *pack, *pack2, *up, *h2; int helper; };
static float main_up[GRID * 4 * C1OUT] __attribute__((aligned(16)));
static float main_h2[GRID * 4 * 4 * C2OUT] __attribute__((aligned(16)));
static const struct lane main_lane = { pack_b, pack_a, main_up, main_h2, 0 };

/* One job: items [0, n) of fn on ctx. */
typedef void (*item_fn)(const void *ctx, int item, const struct lane *ln);

/* Helper threads running kernel_helper_run (each on a lane of its own, at most MAX_HELPERS). */
#define MAX_HELPERS 3
/* How often an idle helper looks for the next job before it sleeps (tens of microseconds). */
#define HELPER_SPIN 20000
static int helper_alive = 0;
/* Items the helper threads have done (diagnostics: the tests check that they share the work). */
static int helper_items = 0;
__attribute__((export_name("kernel_helper_items"))) u32 kernel_helper_items(void) { return __atomic_load_n(&helper_items, __ATOMIC_SEQ_CST); }

#ifdef THREADS
/*
 * The job board. job_gen is a sequence lock: odd while the main instance writes a job, even once it
 * is published (and notified). job_claim holds the published generation (high 32 bits) and the next
 * item (low): an item is taken by a compare-and-swap that also checks the generation, so a helper
 * that read an older job can never take an item of a newer one. job_done counts finished items.
 */
static int job_gen = 0, job_done = 0;
static long long job_claim = 0;
static item_fn job_fn;
static const void *job_ctx;
static int job_items;

static void take_items(int gen, item_fn fn, const void *ctx, int n, const struct lane *ln) {
  const long long mine = (long long)(unsigned)gen << 32;
  for (;;) {
    long long w = __atomic_load_n(&job_claim, __ATOMIC_SEQ_CST);
    if ((w & ~0xffffffffLL) != mine || (int)(w & 0xffffffff) >= n) return;
    if (!__atomic_compare_exchange_n(&job_claim, &w, w + 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) continue;
    fn(ctx, (int)(w & 0xffffffff), ln);
    if (ln->helper) __atomic_fetch_add(&helper_items, 1, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&job_done, 1, __ATOMIC_SEQ_CST);
    __builtin_wasm_memory_atomic_notify(&job_done, 1);
  }
}
#endif

/* Run fn on items [0, n), shared with the helper thread when there is one; returns when all are done. */
static void par_for(int n, item_fn fn, const void *ctx) {
#ifdef THREADS
  if (n > 1 && __atomic_load_n(&helper_alive, __ATOMIC_SEQ_CST)) {
    int gen = job_gen + 2;
    __atomic_store_n(&job_gen, gen - 1, __ATOMIC_SEQ_CST);
    job_fn = fn; job_ctx = ctx; job_items = n;
    __atomic_store_n(&job_done, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&job_claim, (long long)(unsigned)gen << 32, __ATOMIC_SEQ_CST);
    __atomic_store_n(&job_gen, gen, __ATOMIC_SEQ_CST);
    __builtin_wasm_memory_atomic_notify(&job_gen, MAX_HELPERS);
    take_items(gen, fn, ctx, n, &main_lane);
    /* the helpers' last items: usually done within a millisecond; spin that long (sleeping and being
       woken cost the page 1-2 ms per hover, docs/benchmarks.md session 10), then sleep */
    int d, spins = 0;
    while ((d = __atomic_load_n(&job_done, __ATOMIC_SEQ_CST)) != n)
      if (++spins > 400000) __builtin_wasm_memory_atomic_wait32(&job_done, d, -1);
    return;
  }
#endif
  for (int i = 0; i < n; i++) fn(ctx, i, &main_lane);
}

#ifdef THREADS
static float helper_pack[MAX_HELPERS][PACK_ROWS * PANEL] __attribute__((aligned(16)));
static float helper_pack2[MAX_HELPERS][PACK_ROWS * PANEL] __attribute__((aligned(16)));
static float helper_up[MAX_HELPERS][GRID * 4 * C1OUT] __attribute__((aligned(16)));
static float helper_h2[MAX_HELPERS][GRID * 4 * 4 * C2OUT] __attribute__((aligned(16)));

/**
 * A helper thread's loop (never returns): take items of each job the main instance publishes.
 * `index`: which helper (0 .. MAX_HELPERS - 1), each with its own lane; returns at once otherwise.
 */
__attribute__((export_name("kernel_helper_run"))) void kernel_helper_run(u32 index) {
  if (index >= MAX_HELPERS) return;
  const struct lane ln = { helper_pack[index], helper_pack2[index], helper_up[index], helper_h2[index], 1 };
  int seen = __atomic_load_n(&job_gen, __ATOMIC_SEQ_CST) & ~1;
  __atomic_fetch_add(&helper_alive, 1, __ATOMIC_SEQ_CST);
  for (;;) {
    int gen = __atomic_load_n(&job_gen, __ATOMIC_SEQ_CST);
    if (gen == seen) {
      /* jobs come in bursts (a prompt's stages): look again for a while before sleeping */
      for (int spins = 0; spins < HELPER_SPIN && __atomic_load_n(&job_gen, __ATOMIC_SEQ_CST) == seen; spins++) {}
      if (__atomic_load_n(&job_gen, __ATOMIC_SEQ_CST) == seen) __builtin_wasm_memory_atomic_wait32(&job_gen, seen, -1);
      continue;
    }
    if (gen & 1) continue; /* being written */
    item_fn fn = job_fn;
    const void *ctx = job_ctx;
    int n = job_items;
    if (__atomic_load_n(&job_gen, __ATOMIC_SEQ_CST) != gen) continue;
    take_items(gen, fn, ctx, n, &ln);
    seen = gen;
  }
}
#endif

/** How many helper threads share the work (the threaded build, once kernel_helper_run runs). */
__attribute__((export_name("kernel_helper_alive"))) u32 kernel_helper_alive(void) { return __atomic_load_n(&helper_alive, __ATOMIC_SEQ_CST); }

/* ---------------- shared items ---------------- */

/* Column chunks of the per-position stages: 16 of 256 positions (whole panels of the products and
   of quad_form, so each column is computed exactly as over all of them). */
#define CHUNK 256
#define NCHUNK (P / CHUNK)

/* out[8, T, cols) (+)= q[h] (T x 16) . KT[h][:, cols), per head, for the columns [i0, i0 + n) */
static void head_scores_cols(const float *q, int T, const float *KT, float *out, int accumulate, int i0, int n, float *pack) {
  for (int h = 0; h < H; h++) {
    float *o = out + (size_t)h * T * P + i0;
    gemm_nn_panels_init(T, n, HC, q + h * T * HC, HC, 1, KT + (size_t)h * HC * P + i0, P, o, P, accumulate ? o : 0, P, pack);
  }
}

/* out[8T, cols) += red (8T x K) . G[:, cols) (the low-rank scores, red from lowrank_reduce) */
static void lowrank_scores_cols(const float *red, int T, const float *G, int K, float *out, int i0, int n, float *pack) {
  gemm_nn_panels_init(H * T, n, K, red, K, 1, G + i0, P, out + i0, P, out + i0, P, pack);
}

/* red[8T, K] = q_h . R[:, h]^T: the small part of lowrank_scores, once per stage */
static float *lowrank_reduce(const float *q, int T, const float *R, int ldr, int K) {
  float *red = salloc(H * T * K);
  for (int h = 0; h < H; h++)
    for (int t = 0; t < T; t++)
      for (int k = 0; k < K; k++) {
        float s = 0;
        for (int c = 0; c < HC; c++) s += q[(h * T + t) * HC + c] * R[k * ldr + h * HC + c];
        red[(h * T + t) * K + k] = s;
      }
  return red;
}

/* softmax over the token axis of scores [8, T, P], columns [i0, i0 + n) */
static void softmax_tokens_cols(float *s, int T, int i0, int n) {
  for (int h = 0; h < H; h++) {
    float *b = s + (size_t)h * T * P;
    for (int i = i0; i < i0 + n; i += 4) {
      v128_t m = LD(b + i);
      for (int t = 1; t < T; t++) m = wasm_f32x4_pmax(m, LD(b + t * P + i));
      v128_t sum = SPL(0);
      for (int t = 0; t < T; t++) { v128_t e = vexp(wasm_f32x4_sub(LD(b + t * P + i), m)); ST(b + t * P + i, e); sum = ADD(sum, e); }
      v128_t inv = wasm_f32x4_div(SPL(1.0f), sum);
      for (int t = 0; t < T; t++) ST(b + t * P + i, MUL(LD(b + t * P + i), inv));
    }
  }
}

/* y[rows, cols) = x[rows, cols) * r[cols) (y may be x) */
static void scale_cols_range(const float *x, int rows, const float *r, float *y, int i0, int n) {
  for (int k = 0; k < rows; k++)
    for (int i = i0; i < i0 + n; i += 4) ST(y + (size_t)k * P + i, MUL(LD(x + (size_t)k * P + i), LD(r + i)));
}

/* Wide softmaxes, one row each: rows of s [rows, P], each first divided by div; with pr, the row
   times r into pr too (the values' weights). */
struct rows_job { float *s; float div; const float *r; float *pr; };
static void softmax_row_item(const void *ctx, int row, const struct lane *ln) {
  const struct rows_job *j = ctx;
  float *x = j->s + (size_t)row * P;
  if (j->div != 1.0f) for (int i = 0; i < P; i += 4) ST(x + i, wasm_f32x4_div(LD(x + i), SPL(j->div)));
  softmax_wide(x, P);
  if (j->pr) scale_cols_range(x, 1, j->r, j->pr + (size_t)row * P, 0, P);
}
static void softmax_rows(float *s, int rows, float div, const float *r, float *pr) {
  const struct rows_job j = { s, div, r, pr };
  par_for(rows, softmax_row_item, &j);
}

/* The values' products: out[8, T, 16] = p[h] (T x P) . V[h] (P x 16), a head each, and
   red[8T, K] = p . G^T (the low-rank values), two rows each. */
struct values_job { const float *p; int T; const float *V; float *out; const float *pg; const float *G; int K; float *red; };
static void values_item(const void *ctx, int item, const struct lane *ln) {
  const struct values_job *j = ctx;
  if (item < H) {
    gemm_nn(j->T, HC, P, j->p + (size_t)item * j->T * P, P, 1, j->V + (size_t)item * P * HC, HC, j->out + item * j->T * HC, HC, 0);
    return;
  }
  const int m = 2 * (item - H);
  gemm_nt_packed(2, j->K, P, j->pg + (size_t)m * P, P, j->G, P, j->red + m * j->K, j->K, ln->pack2, ln->pack);
}
/* head values of p [8T, P] on V, and when G is given the low-rank reduction of pg on G [K, P] */
static void values(const float *p, int T, const float *V, float *out, const float *pg, const float *G, int K, float *red) {
  const struct values_job j = { p, T, V, out, pg, G, K, red };
  par_for(H + (G ? H * T / 2 : 0), values_item, &j);
}

/* out[8, T, 16] += (red)_h . R[:, h], the rest of the low-rank values */
static void lowrank_expand(const float *red, int T, int K, const float *R, int ldr, float *out) {
  for (int h = 0; h < H; h++)
    for (int t = 0; t < T; t++)
      for (int c = 0; c < HC; c++) {
        float s = 0;
        for (int k = 0; k < K; k++) s += red[(h * T + t) * K + k] * R[k * ldr + h * HC + c];
        out[(h * T + t) * HC + c] += s;
      }
}

/* C[M, N] = A[M, K] . B[K, N] in blocks of 4 rows, shared (each row as gemm_nn computes it) */
struct rows4_job { int M, N, K; const float *A; const float *B; float *C; };
static void rows4_item(const void *ctx, int item, const struct lane *ln) {
  const struct rows4_job *j = ctx;
  const int m = 4 * item, r = j->M - m < 4 ? j->M - m : 4;
  gemm_nn(r, j->N, j->K, j->A + (size_t)m * j->K, j->K, 1, j->B, j->N, j->C + (size_t)m * j->N, j->N, 0);
}
static void gemm_rows_shared(int M, int N, int K, const float *A, const float *B, float *C) {
  const struct rows4_job j = { M, N, K, A, B, C };
  par_for((M + 3) / 4, rows4_item, &j);
}

/*
 * A stage's scores [8T, P] by column chunk: q . KT per head, then optionally times r per column,
 * plus the low-rank part red . G, plus q . CKT, then optionally the softmax over the tokens; ones:
 * a row set to 1 on the way (the factors' constant row).
 */
struct scores_job { const float *q; int T; const float *KT, *r, *red, *G; int K; const float *CKT; float *out; int tokens_softmax; float *ones; };
static void scores_item(const void *ctx, int item, const struct lane *ln) {
  const struct scores_job *j = ctx;
  const int i0 = item * CHUNK;
  head_scores_cols(j->q, j->T, j->KT, j->out, 0, i0, CHUNK, ln->pack);
  if (j->r) scale_cols_range(j->out, H * j->T, j->r, j->out, i0, CHUNK);
  if (j->red) lowrank_scores_cols(j->red, j->T, j->G, j->K, j->out, i0, CHUNK, ln->pack);
  if (j->CKT) head_scores_cols(j->q, j->T, j->CKT, j->out, 1, i0, CHUNK, ln->pack);
  if (j->tokens_softmax) softmax_tokens_cols(j->out, j->T, i0, CHUNK);
  if (j->ones) for (int i = i0; i < i0 + CHUNK; i++) j->ones[i] = 1.0f;
}
static void scores(const struct scores_job *j) { par_for(NCHUNK, scores_item, j); }

/*
 * Layer 1's key norm and the final factors by column chunk: m2 = r1 ycg1m + F rmean, the cross terms
 * [vt0.ycgwo0t - mu0 ycg1s ; vt1.ycwo1t ; yccb], var2 = r1^2 ycg1n + 2 r1 F cross + the quadratic
 * form of F on Gram(R), r2 = 1 / sqrt(var2 / 256 + eps), rr12 = r1 r2 and Gf = [A0 r1 r2 ; A1 r2 ;
 * r2 ; -r2 m2 ; 1] (F's rows: [A0 r1 ; A1 ; 1]).
 */
struct norm2_job { const float *vt0, *vt1; int T; const float *a0, *mu0, *rmean, *gsm, *r1, *ft; float *m2, *cross, *var2, *r2, *rr12, *gf; float eps; };
static void norm2_item(const void *ctx, int item, const struct lane *ln) {
  const struct norm2_job *j = ctx;
  const int i0 = item * CHUNK, K8 = H * j->T, KF = 2 * K8 + 1;
  const float *r1 = j->r1, *ft = j->ft;
  float *m2 = j->m2, *cross = j->cross, *var2 = j->var2, *r2 = j->r2, *rr12 = j->rr12, *gf = j->gf;
  for (int i = i0; i < i0 + CHUNK; i++) m2[i] = r1[i] * slot[I_YCG1M][i];
  for (int k = 0; k < KF; k++) axpy(m2 + i0, ft + (size_t)k * P + i0, j->rmean[k], CHUNK);
  head_scores_cols(j->vt0, j->T, slot[I_YCGWO0T], cross, 0, i0, CHUNK, ln->pack);
  for (int k = 0; k < K8; k++) axpy(cross + (size_t)k * P + i0, slot[I_YCG1S] + i0, -j->mu0[k], CHUNK);
  head_scores_cols(j->vt1, j->T, slot[I_YCWO1T], cross + (size_t)K8 * P, 0, i0, CHUNK, ln->pack);
  for (int i = i0; i < i0 + CHUNK; i++) cross[(size_t)2 * K8 * P + i] = slot[I_YCCB][i];
  for (int i = i0; i < i0 + CHUNK; i++) var2[i] = r1[i] * r1[i] * slot[I_YCG1N][i];
  for (int k = 0; k < KF; k++)
    for (int i = i0; i < i0 + CHUNK; i += 4)
      ST(var2 + i, ADD(LD(var2 + i), MUL(LD(ft + (size_t)k * P + i), MUL(LD(cross + (size_t)k * P + i), MUL(LD(r1 + i), SPL(2.0f))))));
  quad_form_cols(j->gsm, ft, KF, var2, ln->pack, i0, CHUNK);
  for (int i = i0; i < i0 + CHUNK; i += 4) {
    v128_t v = ADD(MUL(LD(var2 + i), SPL(1.0f / D)), SPL(j->eps));
    v128_t r = wasm_f32x4_div(SPL(1.0f), wasm_f32x4_sqrt(v));
    ST(r2 + i, r);
    ST(rr12 + i, MUL(LD(r1 + i), r));
  }
  scale_cols_range(j->a0, K8, rr12, gf, i0, CHUNK);                                /* A0 r1 r2 */
  scale_cols_range(j->ft + (size_t)K8 * P, K8, r2, gf + (size_t)K8 * P, i0, CHUNK); /* A1 r2 */
  for (int i = i0; i < i0 + CHUNK; i++) {
    gf[(size_t)2 * K8 * P + i] = r2[i];
    gf[(size_t)(2 * K8 + 1) * P + i] = -(r2[i] * m2[i]);
    gf[(size_t)(2 * K8 + 2) * P + i] = 1.0f;
  }
}

/*
 * Layer 0's key norm by column chunk: var1 = sum_k A0 (2 vt0.ycwo0t + Gram(Mc0) A0), r1 = 1 /
 * sqrt((ycn + var1) / 256 + eps), and the factors' first rows A0 r1.
 */
struct var1_job { const float *vt0; int T; const float *a0, *gsm; float *g1t, *var1, *r1, *ft; float eps; };
static void var1_item(const void *ctx, int item, const struct lane *ln) {
  const struct var1_job *j = ctx;
  const int i0 = item * CHUNK, K8 = H * j->T;
  float *var1 = j->var1;
  head_scores_cols(j->vt0, j->T, slot[I_YCWO0T], j->g1t, 0, i0, CHUNK, ln->pack);
  for (int i = i0; i < i0 + CHUNK; i++) var1[i] = 0;
  for (int k = 0; k < K8; k++)
    for (int i = i0; i < i0 + CHUNK; i += 4) ST(var1 + i, ADD(LD(var1 + i), MUL(LD(j->a0 + (size_t)k * P + i), MUL(LD(j->g1t + (size_t)k * P + i), SPL(2.0f)))));
  quad_form_cols(j->gsm, j->a0, K8, var1, ln->pack, i0, CHUNK);
  for (int i = i0; i < i0 + CHUNK; i += 4) {
    v128_t v = ADD(MUL(ADD(LD(slot[I_YCN] + i), LD(var1 + i)), SPL(1.0f / D)), SPL(j->eps));
    ST(j->r1 + i, wasm_f32x4_div(SPL(1.0f), wasm_f32x4_sqrt(v)));
  }
  scale_cols_range(j->a0, K8, j->r1, j->ft, i0, CHUNK);
}

/* ---------------- the mask head ---------------- */

struct mask_job { const float *rr12, *gf, *rfc, *hyper; float *masks; int rows, cols, KG, nout; };

/* One grid row of the mask head: first convolution through the factors, LayerNorm2d, GELU, second
   convolution, GELU, hypernetwork products. */
static void mask_row(const void *ctx, int y, const struct lane *ln) {
  const struct mask_job *j = ctx;
  float *up = ln->up, *h2 = ln->h2, *pack = ln->pack;
  const int cols = j->cols;
  const float *sfc = slot[I_SFC];
  const float *lg = slot[S_LN2G], *lb = slot[S_LN2B];
  const float eps2 = slot[S_EPS][E_LN2D];
  const int p0 = y * GRID;
  for (int x = 0; x < cols; x++) {
    const float s = j->rr12[p0 + x];
    for (int c = 0; c < 4 * C1OUT; c += 4) ST(up + x * 4 * C1OUT + c, MUL(LD(sfc + (size_t)(p0 + x) * 4 * C1OUT + c), SPL(s)));
  }
  gemm_nn_panels_init(cols, 4 * C1OUT, j->KG, j->gf + p0, 1, P, j->rfc, NF, up, 4 * C1OUT, up, 4 * C1OUT, pack);
  /* LayerNorm2d over each sub-position's 64 channels, GELU */
  for (int r = 0; r < cols * 4; r++) {
    float *v = up + r * C1OUT;
    v128_t sm = SPL(0);
    for (int c = 0; c < C1OUT; c += 4) sm = ADD(sm, LD(v + c));
    v128_t mean = SPL(vsum(sm) / C1OUT), sq = SPL(0);
    for (int c = 0; c < C1OUT; c += 4) { v128_t d = wasm_f32x4_sub(LD(v + c), mean); sq = ADD(sq, MUL(d, d)); }
    v128_t inv = SPL(1.0f / __builtin_sqrtf(vsum(sq) / C1OUT + eps2));
    for (int c = 0; c < C1OUT; c += 4)
      ST(v + c, vgelu(ADD(MUL(MUL(wasm_f32x4_sub(LD(v + c), mean), inv), LD(lg + c)), LD(lb + c))));
  }
  gemm_nn(cols * 4, 4 * C2OUT, C1OUT, up, C1OUT, 1, slot[S_CT2W], 4 * C2OUT, h2, 4 * C2OUT, 0);
  const float *b2 = slot[S_CT2B];
  for (int r = 0; r < cols * 4; r++)
    for (int c = 0; c < 4 * C2OUT; c += 4) ST(h2 + r * 4 * C2OUT + c, vgelu(ADD(LD(h2 + r * 4 * C2OUT + c), LD(b2 + c))));
  /* logits: each 32-channel row (cell, dy1dx1, dy2dx2) against the 4 hypernetwork vectors */
  const int nout = j->nout;
  float *out = j->masks + (size_t)y * cols * 16 * nout;
  for (int r = 0; r < cols * 16; r++) {
    const float *v = h2 + r * C2OUT;
    for (int t = 0; t < nout; t++) out[r * nout + t] = dot(v, j->hyper + t * C2OUT, C2OUT);
  }
}

/* ---------------- the prompt ---------------- */

/* What kernel_decode's `want` asks for: every mask token, the best multimask candidate (tokens 1..3
   by predicted IoU, the first of equals, as chooseMaskToken), or token 0..3 alone. */
#define WANT_ALL (-1)
#define WANT_BEST_MULTI (-2)
static int last_token = -1;
/** The mask token the last decode with a single `want` computed (its masks' only plane). */
__attribute__((export_name("kernel_last_token"))) int kernel_last_token(void) { return last_token; }

/* The final attention's inputs: layer 1's tokens and their positional part, the image factors and
   scratch [8 * NTOK, P] twice. */
struct final_in { const float *q7, *qpe, *rr12, *gf, *rf; int KG; float *sc, *pr; };

/* The final token-to-image attention and norm for the tokens toks[0..Tq), into out [Tq, 256]. */
static void final_attention(const struct final_in *f, const int *toks, int Tq, float *out) {
  float *tmp = salloc(Tq * D), *qh = salloc(H * Tq * HC), *oh = salloc(H * Tq * HC), *cat = salloc(Tq * CD);
  for (int u = 0; u < Tq; u++)
    for (int i = 0; i < D; i++) tmp[u * D + i] = f->q7[toks[u] * D + i] + f->qpe[toks[u] * D + i];
  heads_of(tmp, Tq, slot[S_FIN_QW], slot[S_FIN_QB], 4.0f, qh);
  const struct scores_job sj = { qh, Tq, slot[I_SFKT], f->rr12, lowrank_reduce(qh, Tq, f->rf, NF, f->KG), f->gf, f->KG, slot[I_CFKT], f->sc, 0, 0 };
  scores(&sj);
  softmax_rows(f->sc, H * Tq, 1.0f, f->rr12, f->pr);
  float *red = salloc(H * Tq * f->KG);
  values(f->pr, Tq, slot[I_SFVH], oh, f->sc, f->gf, f->KG, red);
  lowrank_expand(red, Tq, f->KG, f->rf + CD, NF, oh);
  merge_heads(oh, Tq, cat);
  linear(cat, Tq, CD, slot[S_FIN_OW], slot[S_FIN_OB], D, tmp);
  for (int u = 0; u < Tq; u++)
    for (int i = 0; i < D; i++) out[u * D + i] = f->q7[toks[u] * D + i] + tmp[u * D + i];
  layer_norm(out, Tq, slot[S_NFG], slot[S_NFB], slot[S_EPS][E_NF]);
}

/* The 4 predicted IoUs from the IoU token's final state. */
static void iou_head(const float *q8iou, float *iou) {
  mlp3(q8iou, slot[S_IOU_W0], slot[S_IOU_B0], slot[S_IOU_W1], slot[S_IOU_B1], slot[S_IOU_W2], slot[S_IOU_B2], NMASK, iou);
}

/* Mask token t's hypernetwork vector [32] from its final token. */
static void hyper_of(const float *q8t, int t, float *y) {
  mlp3(q8t, slot[S_HYP_W0] + t * D * D, slot[S_HYP_B0] + t * D, slot[S_HYP_W1] + t * D * D, slot[S_HYP_B1] + t * D,
       slot[S_HYP_W2] + t * D * C2OUT, slot[S_HYP_B2] + t * C2OUT, C2OUT, y);
}

/**
 * Decode one prompt: coords [N, 2] (model input coordinates) and labels [N] as the export takes them;
 * masks over grid cells [0, rows) x [0, cols) written to masks [rows*cols, 16, 4] in the low-rank
 * graph's blocked order, IoU predictions to iou[4]. With a single `want` (a token, or the best
 * multimask candidate) only that token's masks, [rows*cols, 16, 1], and kernel_last_token says which.
 * Returns 0, or an error code.
 */
__attribute__((export_name("kernel_decode")))
int kernel_decode(const float *coords, const float *labels, int N, int rows, int cols, float *masks, float *iou, int want) {
  if (want < WANT_BEST_MULTI || want >= NMASK) return 1;
  if (N < 1 || N > MAXPOINTS || rows < 0 || cols < 0 || rows > GRID || cols > GRID) return 1;
  if (!scratch) return 2;
  scratch_used = 0;
  const int T = NTOK + N;
  const float *eps = slot[S_EPS];
  const float *pc = slot[S_PECONST];

  TSTART();
  /* ---- prompt encoding ---- */
  float *tokens = salloc(T * D);
  for (int i = 0; i < NTOK * D; i++) tokens[i] = slot[S_OUTTOK][i];
  for (int n = 0; n < N; n++) {
    float *s = tokens + (NTOK + n) * D;
    float x = ((coords[2 * n] + pc[0]) / pc[1]) * pc[2] - pc[3];
    float y = ((coords[2 * n + 1] + pc[0]) / pc[1]) * pc[2] - pc[3];
    float lab = labels[n];
    for (int j = 0; j < CD; j++) {
      float pr = (x * slot[S_GAUSS][j] + y * slot[S_GAUSS][CD + j]) * pc[4];
      s[j] = host_sin(pr);
      s[CD + j] = host_cos(pr);
    }
    if (lab == -1.0f) {
      for (int j = 0; j < D; j++) s[j] = slot[S_NAP][j];
    } else {
      for (int e = 0; e < 4; e++) if (lab == (float)e) for (int j = 0; j < D; j++) s[j] += slot[S_PEMB][e * D + j];
    }
  }
  const float *qpe = tokens;
  float *tmp = salloc(T * D), *cat = salloc(T * CD);

  /* ---- layer 0 ---- */
  float *q1 = salloc(T * D);
  token_attention(tokens, tokens, tokens, T, S_SA0_QW, q1);
  layer_norm(q1, T, slot[S_N01G], slot[S_N01B], eps[E_N01]);
  /* token-to-image on the per-image keys and values */
  float *qh = salloc(H * T * HC), *oh = salloc(H * T * HC);
  float *sc = salloc((size_t)H * T * P);
  for (int i = 0; i < T * D; i++) tmp[i] = q1[i] + qpe[i];
  heads_of(tmp, T, slot[S_T2I0_QW], slot[S_T2I0_QB], 1.0f, qh);
  const struct scores_job s0 = { qh, T, slot[I_K0T], 0, 0, 0, 0, 0, sc, 0, 0 };
  scores(&s0);
  softmax_rows(sc, H * T, 4.0f, 0, 0);
  values(sc, T, slot[I_V0H], oh, 0, 0, 0, 0);
  merge_heads(oh, T, cat);
  linear(cat, T, CD, slot[S_T2I0_OW], slot[S_T2I0_OB], D, tmp);
  float *q2 = salloc(T * D);
  for (int i = 0; i < T * D; i++) q2[i] = q1[i] + tmp[i];
  layer_norm(q2, T, slot[S_N02G], slot[S_N02B], eps[E_N02]);
  float *q3 = salloc(T * D);
  mlp_block(q2, T, S_M0_W1, tmp);
  for (int i = 0; i < T * D; i++) q3[i] = q2[i] + tmp[i];
  layer_norm(q3, T, slot[S_N03G], slot[S_N03B], eps[E_N03]);

  TICK(0);
  /* image-to-token: attention weights A0 [8T, P] (softmax over tokens) */
  for (int i = 0; i < T * D; i++) tmp[i] = q3[i] + qpe[i];
  heads_of(tmp, T, slot[S_I2T0_KW], slot[S_I2T0_KB], 4.0f, qh);
  float *a0 = salloc((size_t)H * T * P);
  const struct scores_job s1 = { qh, T, slot[I_Q0T], 0, 0, 0, 0, 0, a0, 1, 0 };
  scores(&s1);
  float *vt0 = salloc(H * T * HC), *m0 = salloc(H * T * D), *mu0 = salloc(H * T);
  heads_of(q3, T, slot[S_I2T0_VW], slot[S_I2T0_VB], 1.0f, vt0);
  value_out(vt0, T, slot[S_I2T0_OW], m0);
  for (int k = 0; k < H * T; k++) {
    float s = 0;
    for (int j = 0; j < D; j++) s += m0[k * D + j];
    mu0[k] = s / D;
    for (int j = 0; j < D; j++) m0[k * D + j] -= mu0[k]; /* m0 is now Mc0 */
  }
  TICK(1);
  const int K8 = H * T;
  /* var1 = (ycn + sum_k A0 (2 vt0.ycwo0t + Gram(Mc0) A0)) / 256 + eps */
  float *gsm = salloc((size_t)(2 * K8 + 1) * (2 * K8 + 1));
  gram(m0, K8, gsm);
  /* the factors F = [A0 r1 ; A1 ; 1] in one buffer: rows [0, 8T) now, [8T, 16T) after layer 1 */
  const int KF = 2 * K8 + 1;
  float *ft = salloc((size_t)KF * P);
  const struct var1_job vj = { vt0, T, a0, gsm, salloc((size_t)K8 * P), salloc(P), salloc(P), ft, eps[E_N40] };
  par_for(NCHUNK, var1_item, &vj);
  const float *r1 = vj.r1;
  const float *G1 = ft; /* g1T */
  TICK(2);
  float *R1 = salloc((size_t)K8 * 3 * CD);
  gemm_rows_shared(K8, 3 * CD, D, m0, slot[S_W1G], R1);

  /* ---- layer 1 ---- */
  float *qq = salloc(T * D), *q5 = salloc(T * D);
  for (int i = 0; i < T * D; i++) qq[i] = q3[i] + qpe[i];
  token_attention(qq, qq, q3, T, S_SA1_QW, tmp);
  for (int i = 0; i < T * D; i++) q5[i] = q3[i] + tmp[i];
  layer_norm(q5, T, slot[S_N11G], slot[S_N11B], eps[E_N11]);
  TICK(3);
  /* token-to-image with keys r1 s1k + G1 R1k + c1k, values r1 s1v + G1 R1v + c1v */
  for (int i = 0; i < T * D; i++) tmp[i] = q5[i] + qpe[i];
  heads_of(tmp, T, slot[S_T2I1_QW], slot[S_T2I1_QB], 4.0f, qh);
  const struct scores_job s2 = { qh, T, slot[I_S1KT], r1, lowrank_reduce(qh, T, R1, 3 * CD, K8), G1, K8, slot[I_C1KT], sc, 0, 0 };
  scores(&s2);
  float *pr = salloc((size_t)K8 * P);
  softmax_rows(sc, K8, 1.0f, r1, pr);
  float *red1 = salloc(K8 * K8);
  values(pr, T, slot[I_S1VH], oh, sc, G1, K8, red1);
  lowrank_expand(red1, T, K8, R1 + CD, 3 * CD, oh);
  for (int h = 0; h < H; h++) for (int t = 0; t < T; t++) for (int c = 0; c < HC; c++) oh[(h * T + t) * HC + c] += slot[S_C1V][h * HC + c];
  merge_heads(oh, T, cat);
  linear(cat, T, CD, slot[S_T2I1_OW], slot[S_T2I1_OB], D, tmp);
  TICK(4);
  float *q6 = salloc(T * D), *q7 = salloc(T * D);
  for (int i = 0; i < T * D; i++) q6[i] = q5[i] + tmp[i];
  layer_norm(q6, T, slot[S_N12G], slot[S_N12B], eps[E_N12]);
  mlp_block(q6, T, S_M1_W1, tmp);
  for (int i = 0; i < T * D; i++) q7[i] = q6[i] + tmp[i];
  layer_norm(q7, T, slot[S_N13G], slot[S_N13B], eps[E_N13]);
  TICK(5);
  /* image-to-token with queries r1 s1q + G1 R1q + c1q */
  for (int i = 0; i < T * D; i++) tmp[i] = q7[i] + qpe[i];
  heads_of(tmp, T, slot[S_I2T1_KW], slot[S_I2T1_KB], 4.0f, qh);
  float *a1 = ft + (size_t)K8 * P;
  const struct scores_job s3 = { qh, T, slot[I_S1QT], r1, lowrank_reduce(qh, T, R1 + 2 * CD, 3 * CD, K8), G1, K8, slot[I_C1QT], a1, 1, ft + (size_t)2 * K8 * P };
  scores(&s3);
  float *vt1 = salloc(H * T * HC), *m1 = salloc(H * T * D);
  heads_of(q7, T, slot[S_I2T1_VW], slot[S_I2T1_VB], 1.0f, vt1);
  value_out(vt1, T, slot[S_I2T1_OW], m1);

  TICK(6);
  /* keys2pre = r1 (yc g1) + F R + cb, R = [Mc0 g1 ; M1 ; cb]: its row mean m2 and variance */
  const float *g1 = slot[S_G1], *cb = slot[S_CB];
  float *rr = salloc((size_t)KF * D), *rmean = salloc(KF);
  for (int k = 0; k < K8; k++) for (int j = 0; j < D; j++) rr[k * D + j] = m0[k * D + j] * g1[j];
  for (int k = 0; k < K8; k++) for (int j = 0; j < D; j++) rr[(K8 + k) * D + j] = m1[k * D + j];
  for (int j = 0; j < D; j++) rr[2 * K8 * D + j] = cb[j];
  for (int k = 0; k < KF; k++) {
    float s = 0;
    for (int j = 0; j < D; j++) s += rr[k * D + j];
    rmean[k] = s / D;
    for (int j = 0; j < D; j++) rr[k * D + j] -= rmean[k];
  }
  gram(rr, KF, gsm);
  /* final factors Gf = [A0 r1 r2 ; A1 r2 ; r2 ; -r2 m2 ; 1] and their weights Rf [KG, 512] */
  const int KG = 2 * K8 + 3;
  const struct norm2_job nj = { vt0, vt1, T, a0, mu0, rmean, gsm, r1, ft, salloc(P), salloc((size_t)KF * P), salloc(P), salloc(P), salloc(P), salloc((size_t)KG * P), eps[E_N41] };
  par_for(NCHUNK, norm2_item, &nj);
  TICK(8);
  const float *rr12 = nj.rr12, *gf = nj.gf;
  float hyper[NMASK * C2OUT];
  int nout;
  float *rf = salloc((size_t)KG * NF);
  gemm_rows_shared(K8, NF, D, m0, slot[S_WFG], rf);
  gemm_rows_shared(K8, NF, D, m1, slot[S_WF2], rf + (size_t)K8 * NF);
  for (int j = 0; j < 3 * NF; j++) rf[(size_t)2 * K8 * NF + j] = slot[S_CONSTROWS][j];
  TICK(9);
  /* the final token-to-image attention and the heads, for the output tokens asked for only: each
     query attends to the image on its own, and the point tokens' outputs are never read */
  const struct final_in fin = { q7, qpe, rr12, gf, rf, KG, sc, pr };
  float *q8 = salloc(NTOK * D);
  if (want == WANT_ALL) {
    const int all[NTOK] = { 0, 1, 2, 3, 4 };
    final_attention(&fin, all, NTOK, q8);
    iou_head(q8, iou);
    for (int t = 0; t < NMASK; t++) hyper_of(q8 + (1 + t) * D, t, hyper + t * C2OUT);
    nout = NMASK;
  } else {
    /* the IoU token first when the choice needs its predictions, else with the chosen mask token */
    int chosen = want;
    if (want == WANT_BEST_MULTI) {
      const int iou_token[1] = { 0 };
      final_attention(&fin, iou_token, 1, q8);
      iou_head(q8, iou);
      chosen = 1;
      for (int t = 2; t < NMASK; t++) if (iou[t] > iou[chosen]) chosen = t;
      const int mask_token[1] = { 1 + chosen };
      final_attention(&fin, mask_token, 1, q8 + D);
    } else {
      const int pair[2] = { 0, 1 + chosen };
      final_attention(&fin, pair, 2, q8);
      iou_head(q8, iou);
    }
    hyper_of(q8 + D, chosen, hyper);
    last_token = chosen;
    nout = 1;
  }

  TICK(11);
  /* ---- mask head, one grid row of cells at a time (shared with the helper thread, if any) ---- */
  if (rows == 0 || cols == 0) return 0;
  const struct mask_job mj = { rr12, gf, rf + 2 * CD, hyper, masks, rows, cols, KG, nout };
  par_for(rows, mask_row, &mj);
  TICK(12);
  return 0;
}

/* ---------------- the mask input ---------------- */

/*
 * With a mask input the export adds the dense embedding md(mask) = W3 . h + b3 to the image tokens
 * instead of the no-mask embedding, h [4096, 16] being the downscaled mask after its second
 * LayerNorm2d and GELU. So the image tokens are x0 + c . E with the dense factors c = [h | 1]
 * [4096, 17] and E = [W3^T ; b3 - no_mask] [17, 256]: a rank-17 change of the tokens the per-image
 * tensors were computed from. Every per-image tensor is linear in the tokens (or in their centred
 * rows yc, whose change is c . Ec with Ec = E centred per row) except the two squared norms, so per
 * prompt each becomes base + c . (E' W) with E' W [17, cols] precomputed per model (S_DCOR), and
 * |yc + c Ec|^2 = |yc|^2 + 2 c . (yc Ec^T) + c (Ec Ec^T) c^T with yc Ec^T [4096, 17] per image
 * (likewise for the g1-scaled norm). The corrected tensors go to a second set of image buffers,
 * which the prompt then decodes on exactly as without a mask input.
 */
#define NDF 17          /* dense factors: the 16 downscaled-mask channels and a ones column */
#define MASKIN 256      /* mask input side */
/* column blocks of S_DCOR [NDF, NCOR] */
#define C_K0 0
#define C_V0 128
#define C_Q0 256
#define C_YCWO0 384
#define C_YCGWO0 512
#define C_YCWO1 640
#define C_S1 768        /* k | v | q, 384 */
#define C_SF 1152       /* k | v | first convolution, 512 */
#define C_YCG1S 1664
#define C_YCCB 1665
#define C_YCG1M 1666
#define NCOR 1668
#define N_IMAGE (N_SLOTS - I_K0T)

__attribute__((export_name("kernel_dense_columns"))) u32 kernel_dense_columns(void) { return NCOR; }

static float *img_alt[N_IMAGE];
static float *dense_t = 0, *dense_r = 0;   /* c as [NDF, P] and as [P, NDF] */
static float *xy_t = 0, *xg_t = 0;         /* per image: (yc Ec^T)^T and (ycg1c U^T)^T, [NDF, P] */
static float *a1buf = 0;                   /* first convolution's output [128 * 128, 4] */
static int dense_image_ready = 0;

static u32 image_floats(int i) {
  switch (i + I_K0T) {
    case I_YCN: case I_YCG1S: case I_YCCB: case I_YCG1N: case I_YCG1M: return P;
    case I_SFC: return P * 4 * C1OUT;
    default: return CD * P;
  }
}

static int dense_buffers(void) {
  if (dense_t) return 1;
  for (int i = 0; i < N_IMAGE; i++) {
    int s = i + I_K0T;
    if (s == I_C1KT || s == I_C1QT || s == I_CFKT) continue; /* positional only: unchanged */
    if (!(img_alt[i] = bump((size_t)image_floats(i) * 4))) return 0;
  }
  if (!(xy_t = bump(NDF * P * 4)) || !(xg_t = bump(NDF * P * 4)) || !(dense_r = bump(NDF * P * 4))
      || !(a1buf = bump((MASKIN / 2) * (MASKIN / 2) * 4 * 4)) || !(dense_t = bump(NDF * P * 4))) return 0;
  return 1;
}

/**
 * The per-image part of the mask input, from the image embedding [256, 4096] (channel-major, as the
 * decoder takes it): yc Ec^T and ycg1c U^T. Both rows sets of Ec and U sum to 0, so the centring of
 * yc drops out of the first and becomes a per-position mean term in the second:
 * yc Ec^T = y Ec^T, ycg1c U^T = y (U g1)^T - ybar (U . g1), with y = emb^T + no_mask + bo0.
 * Returns 0 when memory runs out.
 */
__attribute__((export_name("kernel_dense_image")))
u32 kernel_dense_image(const float *emb) {
  dense_image_ready = 0;
  if (!dense_buffers()) return 0;
  const float *dc = slot[S_DCONST]; /* [ey (17) | eg (17) | ug (17) | csum] */
  gemm_nn_panels(NDF, P, D, slot[S_DEC], D, 1, emb, P, xy_t, P, 0);
  gemm_nn_panels(NDF, P, D, slot[S_DUG], D, 1, emb, P, xg_t, P, 0);
  float *ybar = dense_r; /* scratch until the first prompt */
  for (int i = 0; i < P; i++) ybar[i] = 0;
  for (int j = 0; j < D; j++) for (int i = 0; i < P; i += 4) ST(ybar + i, ADD(LD(ybar + i), LD(emb + (size_t)j * P + i)));
  for (int i = 0; i < P; i += 4) ST(ybar + i, MUL(ADD(LD(ybar + i), SPL(dc[3 * NDF])), SPL(1.0f / D)));
  for (int k = 0; k < NDF; k++) {
    v128_t ey = SPL(dc[k]), eg = SPL(dc[NDF + k]), ug = SPL(dc[2 * NDF + k]);
    float *xy = xy_t + (size_t)k * P, *xg = xg_t + (size_t)k * P;
    for (int i = 0; i < P; i += 4) {
      ST(xy + i, ADD(LD(xy + i), ey));
      ST(xg + i, wasm_f32x4_sub(ADD(LD(xg + i), eg), MUL(LD(ybar + i), ug)));
    }
  }
  dense_image_ready = 1;
  return 1;
}

/* LayerNorm2d over a position's channels (4 lanes each), then GELU, as the export: (x - u) / sqrt(var + eps) * g + b */
static inline void ln_gelu(v128_t *v, int nv, const float *g, const float *b, float eps) {
  v128_t s = SPL(0);
  for (int q = 0; q < nv; q++) s = ADD(s, v[q]);
  v128_t mean = SPL(vsum(s) / (4 * nv)), sq = SPL(0);
  for (int q = 0; q < nv; q++) { v[q] = wasm_f32x4_sub(v[q], mean); sq = ADD(sq, MUL(v[q], v[q])); }
  v128_t den = SPL(__builtin_sqrtf(vsum(sq) / (4 * nv) + eps));
  for (int q = 0; q < nv; q++) v[q] = vgelu(ADD(MUL(wasm_f32x4_div(v[q], den), LD(g + 4 * q)), LD(b + 4 * q)));
}

/* The dense factors of a mask input [256, 256]: c = [h | 1] into dense_t and dense_r. */
static void dense_factors(const float *mask) {
  const float *eps = slot[S_MDEPS];
  const int A = MASKIN / 2;
  const float *w0 = slot[S_MD0W];
  for (int y = 0; y < A; y++)
    for (int x = 0; x < A; x++) {
      const float *m = mask + (size_t)(2 * y) * MASKIN + 2 * x;
      v128_t v = LD(slot[S_MD0B]);
      v = ADD(v, MUL(LD(w0), SPL(m[0])));
      v = ADD(v, MUL(LD(w0 + 4), SPL(m[1])));
      v = ADD(v, MUL(LD(w0 + 8), SPL(m[MASKIN])));
      v = ADD(v, MUL(LD(w0 + 12), SPL(m[MASKIN + 1])));
      ln_gelu(&v, 1, slot[S_MD1G], slot[S_MD1B], eps[0]);
      ST(a1buf + (y * A + x) * 4, v);
    }
  const float *w3 = slot[S_MD3W]; /* [in 4][dy][dx][out 16] */
  for (int y = 0; y < GRID; y++)
    for (int x = 0; x < GRID; x++) {
      v128_t v[4];
      for (int q = 0; q < 4; q++) v[q] = LD(slot[S_MD3B] + 4 * q);
      for (int dy = 0; dy < 2; dy++)
        for (int dx = 0; dx < 2; dx++) {
          const float *a = a1buf + ((2 * y + dy) * A + 2 * x + dx) * 4;
          for (int i = 0; i < 4; i++) {
            v128_t ai = SPL(a[i]);
            const float *w = w3 + ((i * 2 + dy) * 2 + dx) * 16;
            for (int q = 0; q < 4; q++) v[q] = ADD(v[q], MUL(LD(w + 4 * q), ai));
          }
        }
      ln_gelu(v, 4, slot[S_MD4G], slot[S_MD4B], eps[1]);
      const int p = y * GRID + x;
      float *r = dense_r + p * NDF;
      for (int q = 0; q < 4; q++) {
        float t[4] __attribute__((aligned(16)));
        ST(t, v[q]);
        for (int l = 0; l < 4; l++) { r[4 * q + l] = t[l]; dense_t[(size_t)(4 * q + l) * P + p] = t[l]; }
      }
      r[16] = 1.0f;
      dense_t[(size_t)16 * P + p] = 1.0f;
    }
}

/* alt = base + C[:, c0 .. c0+rows)^T . dense_t, for [rows, P] tensors (keys layout, row scalars) */
static void correct_t(float *alt, const float *base, int c0, int rows, float *pack) {
  gemm_nn_panels_init(rows, P, NDF, slot[S_DCOR] + c0, 1, NCOR, dense_t, P, alt, P, base, P, pack);
}

/* alt = base + dense_r . C[:, c0 ..), for [8, P, 16] tensors (values layout) */
static void correct_heads(float *alt, const float *base, int c0) {
  for (int h = 0; h < H; h++)
    gemm_nn_init(P, HC, NDF, dense_r, NDF, 1, slot[S_DCOR] + c0 + h * HC, NCOR, alt + (size_t)h * P * HC, HC, base + (size_t)h * P * HC, HC);
}

/* alt = base + 2 c . x + c G c^T per position (the squared norms) */
static void correct_norm(float *alt, const float *base, const float *x, const float *G, float *pack) {
  for (int i = 0; i < P; i++) alt[i] = 0;
  for (int k = 0; k < NDF; k++)
    for (int i = 0; i < P; i += 4) ST(alt + i, ADD(LD(alt + i), MUL(LD(dense_t + (size_t)k * P + i), LD(x + (size_t)k * P + i))));
  for (int i = 0; i < P; i += 4) ST(alt + i, ADD(LD(base + i), MUL(LD(alt + i), SPL(2.0f))));
  quad_form(G, dense_t, NDF, alt, pack);
}

/* The corrections, one item each (the largest first), shared with the helper thread. */
#define N_CORRECT 17

static void correct_item(int i, float *pack) {
#define ALT(s) img_alt[(s) - I_K0T]
  switch (i) {
    case 0: gemm_nn_init(P, 4 * C1OUT, NDF, dense_r, NDF, 1, slot[S_DCOR] + C_SF + 2 * CD, NCOR, ALT(I_SFC), 4 * C1OUT, slot[I_SFC], 4 * C1OUT); break;
    case 1: correct_t(ALT(I_K0T), slot[I_K0T], C_K0, CD, pack); break;
    case 2: correct_heads(ALT(I_V0H), slot[I_V0H], C_V0); break;
    case 3: correct_t(ALT(I_Q0T), slot[I_Q0T], C_Q0, CD, pack); break;
    case 4: correct_t(ALT(I_YCWO0T), slot[I_YCWO0T], C_YCWO0, CD, pack); break;
    case 5: correct_t(ALT(I_YCGWO0T), slot[I_YCGWO0T], C_YCGWO0, CD, pack); break;
    case 6: correct_t(ALT(I_YCWO1T), slot[I_YCWO1T], C_YCWO1, CD, pack); break;
    case 7: correct_t(ALT(I_S1KT), slot[I_S1KT], C_S1, CD, pack); break;
    case 8: correct_heads(ALT(I_S1VH), slot[I_S1VH], C_S1 + CD); break;
    case 9: correct_t(ALT(I_S1QT), slot[I_S1QT], C_S1 + 2 * CD, CD, pack); break;
    case 10: correct_t(ALT(I_SFKT), slot[I_SFKT], C_SF, CD, pack); break;
    case 11: correct_heads(ALT(I_SFVH), slot[I_SFVH], C_SF + CD); break;
    case 12: correct_norm(ALT(I_YCN), slot[I_YCN], xy_t, slot[S_DGY], pack); break;
    case 13: correct_norm(ALT(I_YCG1N), slot[I_YCG1N], xg_t, slot[S_DGG], pack); break;
    case 14: correct_t(ALT(I_YCG1S), slot[I_YCG1S], C_YCG1S, 1, pack); break;
    case 15: correct_t(ALT(I_YCCB), slot[I_YCCB], C_YCCB, 1, pack); break;
    case 16: correct_t(ALT(I_YCG1M), slot[I_YCG1M], C_YCG1M, 1, pack); break;
    default: break;
  }
#undef ALT
}

static void correct_share(const void *ctx, int i, const struct lane *ln) { correct_item(i, ln->pack); }

/**
 * Decode one prompt with a mask input [256, 256] (has_mask_input = 1): as kernel_decode, on the
 * image tensors corrected for the mask's dense embedding. kernel_dense_image must have been called
 * for the image. Returns 0, or an error code.
 */
__attribute__((export_name("kernel_decode_mask")))
int kernel_decode_mask(const float *coords, const float *labels, int N, int rows, int cols, const float *mask, float *masks, float *iou, int want) {
  if (!dense_image_ready) return 3;
  if (N < 1 || N > MAXPOINTS || rows < 0 || cols < 0 || rows > GRID || cols > GRID) return 1;
  dense_factors(mask);
  par_for(N_CORRECT, correct_share, 0);
  const float *saved[N_IMAGE];
  for (int i = 0; i < N_IMAGE; i++) {
    saved[i] = slot[I_K0T + i];
    if (img_alt[i]) slot[I_K0T + i] = img_alt[i];
  }
  int rc = kernel_decode(coords, labels, N, rows, cols, masks, iou, want);
  for (int i = 0; i < N_IMAGE; i++) slot[I_K0T + i] = saved[i];
  return rc;
}
