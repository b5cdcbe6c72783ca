export { pipeline, TranslationPipeline, TextClassificationPipeline } from './pipeline.js';
export type {
  ClassificationOutput,
  ClassifyOptions,
  CrossAttentionMaps,
  PipelineOptions,
  SelfAttentionMaps,
  TranslateOptions,
  TranslationOutput,
} from './pipeline.js';
export { Seq2SeqTranslator } from './seq2seq.js';
export type { EncodedSource } from './seq2seq.js';
export { TextClassifier, poolingWeights } from './classifier.js';
export type { ClassifierOutput } from './classifier.js';
export { Encoder, EncoderLayer } from './encoder.js';
export type { EncoderOutput } from './encoder.js';
export { Decoder, DecoderLayer } from './decoder.js';
export type { CrossAttentionSource, DecoderCall, DecoderOutput } from './decoder.js';
export { DecodingSession } from './generation/session.js';
export type { GenerateOptions, Generation } from './generation/types.js';
export { MultiHeadAttention } from './layers/attention.js';
export type { AttentionCall, AttentionResult, KeyValue, KeyValueCache } from './layers/attention.js';
export { Embeddings, sinusoidalTable } from './layers/embeddings.js';
export { FeedForward } from './layers/feed-forward.js';
export { LayerNorm } from './layers/layer-norm.js';
export { Linear } from './layers/linear.js';
export { keyPaddingMask, symmetricAlibiMask } from './layers/masks.js';
export { Ops, collectTensors, isDeviceTensor } from './scope.js';
export { padBatch } from './batch.js';
export type { TokenBatch } from './batch.js';
export { parseConfig, headSize } from './config.js';
export type { Activation, ClassifierConfig, ModelConfig, NormPlacement, Pooling, PositionKind, TransformerConfig, TranslatorConfig } from './config.js';
export { Tokenizer } from './tokenizer.js';
export { loadClassifier, loadTranslator, checkTokenizer } from './load.js';
export type { Loaded } from './load.js';
export { MODEL_FILES, readModelFiles } from './source.js';
export type { ModelFileContent, ModelFileName, ModelFiles, ModelSource } from './source.js';
export { readSafetensors, writeSafetensors } from './weights/safetensors.js';
export type { SafetensorsDType, SafetensorsFile, StoredTensor, TensorToWrite } from './weights/safetensors.js';
export { weightSpec } from './weights/spec.js';
export type { WeightSpec } from './weights/spec.js';
export { Weights, uploadWeights } from './weights/load.js';
export { mulberry32, randomWeights } from './weights/random.js';
