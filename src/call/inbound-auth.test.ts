import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inSubnet } from './inbound-auth.js';

test('inbound gateways match by address and netmask, whatever the source port', () => {
  assert.ok(inSubnet('10.1.2.3', '10.1.2.3', 32));
  assert.ok(!inSubnet('10.1.2.4', '10.1.2.3', 32));
  assert.ok(inSubnet('10.1.2.200', '10.1.2.0', 24));
  assert.ok(!inSubnet('10.1.3.1', '10.1.2.0', 24));
  assert.ok(inSubnet('192.168.7.9', '0.0.0.0', 0));
  assert.ok(inSubnet('172.16.5.5', '172.16.0.0', 12));
  assert.ok(!inSubnet('172.32.0.1', '172.16.0.0', 12));
});
