// npm run bench states which CPU it ran on and how much CPU time the hypervisor took while it
// ran (bench/machine.ts): the absolute times move with both.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpuIdentity, cpuTimes, stealShare } from '../../bench/machine';

const CPUINFO = 'processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 17\nmodel name\t: AMD EPYC\nstepping\t: 1\n\nprocessor\t: 1\ncpu family\t: 25\nmodel\t\t: 17\n';

test('the CPU is named with its family and model, and by name alone where cpuinfo lacks them', () => {
  assert.is(cpuIdentity('AMD EPYC', CPUINFO), 'AMD EPYC (family 25, model 17)');
  // "model name" must not be read as the model number.
  assert.is(cpuIdentity('AMD EPYC', 'model name\t: AMD EPYC\n'), 'AMD EPYC');
  assert.is(cpuIdentity('Apple M2', undefined), 'Apple M2');
});

test('steal time is the stolen share of all CPU time between two readings of /proc/stat', () => {
  const before = cpuTimes('cpu  100 0 50 800 10 0 5 35 0 0\ncpu0 50 0 25 400 5 0 2 18 0 0\n');
  const after = cpuTimes('cpu  200 0 100 1500 20 0 10 170 0 0\n');
  assert.equal(before, { steal: 35, total: 1000 });
  assert.equal(after, { steal: 170, total: 2000 });
  assert.is(stealShare(before, after), 0.135);
  assert.is(stealShare(after, before), undefined, 'readings in the wrong order');
  assert.is(cpuTimes('intr 1 2 3\n'), undefined, 'no cpu line');
  assert.is(cpuTimes(undefined), undefined, 'not Linux');
  assert.is(stealShare(undefined, after), undefined);
});

test.run();
