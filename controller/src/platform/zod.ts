// zod as every schema here uses it: jitless. zod 4 otherwise compiles a parser
// for each object schema with `new Function` on its first use, which a one-shot
// run pays for and does not get back (the README's "zod runs jitless" choice has the figures).
// Schemas import z from here, not from 'zod', so that the setting is made before
// any schema is built: zod reads it when an object schema is created.
import { z } from 'zod';

z.config({ jitless: true });

export { z };
