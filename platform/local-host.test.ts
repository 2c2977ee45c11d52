import { describe, expect, it } from 'vitest';
import { isLocalUrl } from './local-host.js';

describe('isLocalUrl', () => {
  it.each([
    'http://127.0.0.1:11434',
    'http://localhost:11434',
    'http://[::1]:11434',
    'http://10.1.2.3',
    'http://172.20.0.5:11434',
    'http://192.168.1.9',
    'http://ollama:11434',
    'http://gpu-box.local:11434',
    'http://llm.internal',
    'http://[fd00::1]',
    'http://[::ffff:127.0.0.1]',
  ])('takes %s as local', (url) => expect(isLocalUrl(url)).toBe(true));

  it.each([
    'https://api.openai.com/v1',
    'http://8.8.8.8',
    'http://172.32.0.1',
    'http://ollama.example.com',
    'http://[2001:db8::1]',
    'http://localhost.evil.com',
    'not a url',
  ])('takes %s as a cloud', (url) => expect(isLocalUrl(url)).toBe(false));
});
