#ifndef ATTNKIT_PRIMITIVES_H
#define ATTNKIT_PRIMITIVES_H
/* Argument blocks of the primitives, laid out by src/kernels/args.ts from the same field lists (4 bytes each). */

typedef struct {
  int batch, M, K, N, batched_b, transpose_b;
  const float* a;
  const float* b;
  const float* bias;
  float* out;
  int row_chunk, col_chunk, units, next_unit;
  void* scratch; /* per thread: a packed K × 8 strip of b, or col_chunk row pointers of a transposed b */
  int scratch_bytes;
} matmul_args;

typedef struct {
  int op; /* 0 add, 1 mul */
  int size, rank;
  const float* a;
  const float* b;
  float* out;
  const int* shape;    /* [rank] */
  const int* a_strides;
  const int* b_strides;
  int chunk, units, next_unit;
} binary_args;

typedef struct {
  int op; /* 0 relu, 1 gelu, 2 tanh, 3 scale */
  int size;
  float factor;
  const float* x;
  float* out;
  int chunk, units, next_unit;
} unary_args;

typedef struct {
  int op; /* 0 softmax, 1 log-softmax, 2 layer norm */
  int rows, width;
  float epsilon;
  const float* x;
  const float* gamma;
  const float* beta;
  float* out;
  int chunk, units, next_unit;
} rows_args;

typedef struct {
  int batch, rows, cols; /* out[n][c][r] = x[n][r][c] */
  const float* x;
  float* out;
  int units, next_unit;
} transpose_args;

void matmul_task(matmul_args* a, int thread);
void binary_task(binary_args* a, int thread);
void unary_task(unary_args* a, int thread);
void rows_task(rows_args* a, int thread);
void transpose_task(transpose_args* a, int thread);
#endif
