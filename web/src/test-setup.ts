import '@testing-library/dom';
import { afterEach } from 'vitest';
import { cleanup } from '@testing-library/react';

// Each test renders into a clean document.
afterEach(() => cleanup());
