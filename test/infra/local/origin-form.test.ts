// The HTTP layer takes an absolute-form request target as its path and query (RFC 9112
// §3.2.2), as CloudFront does; an origin-form target is left exactly as sent.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { originForm } from '../../../infra/local/edge';

test('absolute form becomes its path and query; origin form and odd targets are untouched', () => {
  const rows: Array<[string, string]> = [
    ['http://localhost/dev/photo.jpg?w=10', '/dev/photo.jpg?w=10'],
    ['HTTPS://cdn.example.com:8443/dev/a%20b.jpg', '/dev/a%20b.jpg'],
    ['http://localhost', '/'],
    ['http://localhost?w=10', '/?w=10'],
    ['/dev/photo.jpg?u=http://x/y', '/dev/photo.jpg?u=http://x/y'],
    ['/http://localhost/dev/photo.jpg', '/http://localhost/dev/photo.jpg'],
    ['*', '*'],
  ];
  for (const [target, expected] of rows) assert.is(originForm(target), expected, target);
});

test.run();
