/*
 * The module's one entry point for work: the JavaScript thread pool calls run(kernel, args, thread) on
 * every thread with the same argument block, and each kernel shares out its units through an atomic counter
 * in that block. The kernel numbers are src/kernels/args.ts's KERNEL_IDS.
 */
#include "attention.h"
#include "primitives.h"

__attribute__((export_name("run"))) void run(int kernel, void* args, int thread) {
  switch (kernel) {
    case 0: attention_task((attn_args*)args, thread); break;
    case 1: matmul_task((matmul_args*)args, thread); break;
    case 2: binary_task((binary_args*)args, thread); break;
    case 3: unary_task((unary_args*)args, thread); break;
    case 4: rows_task((rows_args*)args, thread); break;
    case 5: transpose_task((transpose_args*)args, thread); break;
    case 6: attention_merge_task((attn_args*)args, thread); break;
    default: __builtin_trap();
  }
}

__attribute__((export_name("attention_scratch_bytes"))) int scratch_bytes(int rows, int D, int Dv, int key_block) {
  return attention_scratch_bytes(rows, D, Dv, key_block);
}

/* sizeof each argument block, so the JavaScript side can check that its field lists match these structs */
__attribute__((export_name("args_bytes"))) int args_bytes(int kernel) {
  switch (kernel) {
    case 0: return sizeof(attn_args);
    case 1: return sizeof(matmul_args);
    case 2: return sizeof(binary_args);
    case 3: return sizeof(unary_args);
    case 4: return sizeof(rows_args);
    case 5: return sizeof(transpose_args);
    case 6: return sizeof(attn_args);
    default: return -1;
  }
}
