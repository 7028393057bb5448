// issue 16: kafkajs (a pure-JavaScript Kafka client nobody on this project wrote) against
// `pinpipe serve`'s Kafka listener: admin topic creation, an idempotent producer, a consumer
// group that reads everything and commits, the committed offsets as the admin client fetches
// them, per-topic configs (AlterConfigs / DescribeConfigs), and DeleteGroups.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import kafkajs from 'kafkajs';

const { Kafka, logLevel, ConfigResourceTypes } = kafkajs;

const BIN = process.env.PINPIPE_BIN;

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startServer() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinpipe-kafkajs-'));
  const [http, kafka] = [await freePort(), await freePort()];
  const sets = [`data.dir=${dir}/data`, `http.port=${http}`, `kafka.port=${kafka}`,
    'kafka.group_initial_rebalance_delay_ms=0', 'sink.enabled=false', 'stream.enabled=false'];
  const args = sets.flatMap((s) => ['--set', s]);
  const log = fs.openSync(path.join(dir, 'server.log'), 'w');
  const proc = spawn(BIN, [...args, 'serve'], { stdio: ['ignore', log, log] });
  const url = `http://127.0.0.1:${http}`;
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { proc, dir, broker: `127.0.0.1:${kafka}` };
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill('SIGKILL');
  throw new Error(`pinpipe serve did not start: ${fs.readFileSync(path.join(dir, 'server.log'), 'utf8')}`);
}

test('kafkajs produces, consumes with a group, commits, alters configs and deletes the group', async (t) => {
  assert.ok(BIN, 'PINPIPE_BIN must point at the pinpipe binary');
  const server = await startServer();
  t.after(() => {
    server.proc.kill('SIGTERM');
    fs.rmSync(server.dir, { recursive: true, force: true });
  });
  const kafka = new Kafka({ clientId: 'kafkajs-interop', brokers: [server.broker], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  const topic = 'kjs-topic';
  const group = 'kjs-group';
  assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true }), true);

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const sent = [];
  for (let i = 0; i < 20; i++) sent.push({ key: `k${i}`, value: `v${i}`, partition: i % 2 });
  const acks = await producer.send({ topic, messages: sent });
  await producer.disconnect();
  assert.deepEqual(acks.map((a) => a.errorCode), acks.map(() => 0));

  // A group member reads every record once, committing as it goes.
  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 10000, heartbeatInterval: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${got.length} records consumed`)), 60000);
    consumer.run({
      eachMessage: async ({ partition, message }) => {
        got.push({ partition, offset: Number(message.offset), value: message.value.toString() });
        if (got.length === sent.length) {
          clearTimeout(timer);
          resolve();
        }
      },
    }).catch(reject);
  });
  await consumer.disconnect();  // commits what it consumed, then leaves
  assert.deepEqual(got.map((r) => r.value).sort(), sent.map((m) => m.value).sort());
  for (const p of [0, 1]) {
    assert.deepEqual(got.filter((r) => r.partition === p).map((r) => r.offset), [...Array(10).keys()]);
  }
  const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  assert.deepEqual(offsets.partitions.map((p) => [p.partition, p.offset]).sort(), [[0, '10'], [1, '10']]);

  // Per-topic configs: AlterConfigs, then DescribeConfigs shows the override as a topic config.
  await admin.alterConfigs({
    validateOnly: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '86400000' }] }],
  });
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms', 'segment.bytes'] }],
  });
  const entries = Object.fromEntries(described.resources[0].configEntries.map((e) => [e.configName, e]));
  assert.equal(entries['retention.ms'].configValue, '86400000');
  assert.equal(entries['retention.ms'].configSource, 1);  // TOPIC_CONFIG
  assert.equal(entries['segment.bytes'].configSource, 5);  // DEFAULT_CONFIG

  // DeleteGroups: the group and its offsets go; a second delete does not find it.
  const groupsBefore = (await admin.listGroups()).groups.map((g) => g.groupId);
  assert.ok(groupsBefore.includes(group), groupsBefore);
  await admin.deleteGroups([group]);
  const [after] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  assert.deepEqual(after.partitions.map((p) => p.offset), ['-1', '-1']);
  await assert.rejects(admin.deleteGroups([group]), (e) => {
    assert.equal(e.groups?.[0]?.error?.type, 'GROUP_ID_NOT_FOUND', String(e));
    return true;
  });
});
