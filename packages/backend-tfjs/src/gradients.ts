/**
 * tfjs-core alone has no gradients registered (the `@tensorflow/tfjs` bundle registers them). The
 * attention and the primitives are meant for training with tf.grad, so every module that builds a
 * differentiable computation imports this one. Registering twice is harmless.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
