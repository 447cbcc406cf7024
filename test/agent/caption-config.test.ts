import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';

const base = { DATA_DIR: '/tmp/photovault-config-test' };

describe('caption agent configuration', () => {
  it('is off by default', () => {
    expect(loadConfig(base).caption).toEqual({ model: undefined, baseUrl: undefined, apiKey: undefined, timeoutMs: 60_000 });
  });

  it('reads the model, the endpoint, the key and the timeout', () => {
    const caption = loadConfig({ ...base, CAPTION_MODEL: 'llava:13b', OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1', CAPTION_TIMEOUT_MS: '5000' }).caption;
    expect(caption).toEqual({ model: 'llava:13b', baseUrl: 'http://127.0.0.1:11434/v1', apiKey: undefined, timeoutMs: 5000 });
    expect(loadConfig({ ...base, CAPTION_MODEL: 'gpt-4o-mini', OPENAI_API_KEY: 'sk-x' }).caption.apiKey).toBe('sk-x');
    expect(loadConfig({ ...base, CAPTION_MODEL: 'Qwen/Qwen2.5-VL-7B-Instruct', OPENAI_BASE_URL: 'http://vllm:8000/v1' }).caption.model).toBe('Qwen/Qwen2.5-VL-7B-Instruct');
  });

  it.each([
    [{ CAPTION_MODEL: 'gpt-4o-mini' }, 'CAPTION_MODEL needs OPENAI_API_KEY'],
    [{ CAPTION_MODEL: 'bad name; rm -rf', OPENAI_API_KEY: 'sk-x' }, 'CAPTION_MODEL must be a model name'],
    [{ CAPTION_MODEL: 'm', OPENAI_BASE_URL: 'ftp://example.com/v1' }, 'OPENAI_BASE_URL must be an http:// or https:// URL'],
    [{ CAPTION_MODEL: 'm', OPENAI_BASE_URL: 'http://[bad' }, 'OPENAI_BASE_URL must be an http:// or https:// URL'],
    [{ CAPTION_TIMEOUT_MS: '10' }, 'CAPTION_TIMEOUT_MS must be between 100 and 600000'],
  ])('refuses %o at start-up, naming the variable', (env, message) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(message);
  });
});
