// `semamesh mock-llm`: runs the OpenAI/Anthropic-compatible mock LLM in the foreground for demos and manual tests.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { createMockLlm, MockLlmError } from '../../test/mock-llm/index.js';

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535)
    throw new InvalidArgumentError('expected a port number from 0 to 65535');
  return n;
}

function parseKeys(value: string): string[] {
  const keys = value
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  if (keys.length === 0) throw new InvalidArgumentError('expected a comma-separated list of API keys');
  return keys;
}

interface MockLlmCliOptions {
  port: number;
  host: string;
  tokenizer: 'o200k' | 'approx';
  canned: boolean;
  apiKeys?: string[];
}

export function registerMockLlm(program: Command): void {
  program
    .command('mock-llm')
    .description('run a mock OpenAI/Anthropic-compatible LLM server until SIGINT/SIGTERM')
    .option('-p, --port <port>', 'port to listen on (0 picks a free one)', parsePort, 0)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .addOption(
      new Option('--tokenizer <kind>', 'token counting for usage figures')
        .choices(['o200k', 'approx'])
        .default('o200k'),
    )
    .option('--api-keys <keys>', 'comma-separated keys to accept (default: any non-empty key)', parseKeys)
    .option('--no-canned', 'disable the built-in "run the cleanup" tool-call script')
    .action(async (opts: MockLlmCliOptions) => {
      let mock: Awaited<ReturnType<typeof createMockLlm>>;
      try {
        mock = await createMockLlm({
          port: opts.port,
          host: opts.host,
          tokenizer: opts.tokenizer,
          canned: opts.canned,
          apiKeys: opts.apiKeys,
        });
      } catch (err) {
        if (!(err instanceof MockLlmError)) throw err;
        const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
        console.error(`${err.code}: ${err.message}${cause}`);
        process.exitCode = 1;
        return;
      }
      console.log(`mock LLM listening on ${mock.url}`);
      console.log(`  OpenAI base URL:    ${mock.url}/v1`);
      console.log(`  Anthropic base URL: ${mock.url}`);
      console.log(
        `  scripting:          POST ${mock.url}/__mock/script, POST /__mock/reset, GET /__mock/requests`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await mock.close();
      console.log('mock LLM stopped');
    });
}
