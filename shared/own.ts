// Own properties only: a header, parameter, alias or preset named `constructor` or `__proto__`
// is a name like any other, never Object.prototype's. One definition for the normalizer's
// modules (its CloudFront Functions script carries it once).

export function own(object: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}
