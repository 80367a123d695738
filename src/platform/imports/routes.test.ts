import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { rowErrorsRoute } from './routes.ts';

describe('the row-problems download', () => {
  it('quotes what needs quoting and defuses cells that start like a spreadsheet formula', async () => {
    const app = Fastify();
    rowErrorsRoute(app, {
      path: '/imports/:id/errors',
      permission: 'imports:read',
      tags: ['imports'],
      summary: 'Row problems',
      load: async (_request, id) => ({
        id,
        errors: [
          { row: 2, field: '=HYPERLINK("http://evil")', message: 'Unknown field.' },
          { row: 3, field: 'title', message: 'Too long, by far' },
          { row: 4, field: '-2+3', message: '@SUM(A1)' },
        ],
      }),
      filename: (id) => `import-${id}-errors.csv`,
    });
    const response = await app.inject({ url: '/imports/7/errors' });
    expect(response.headers['content-disposition']).toBe('attachment; filename="import-7-errors.csv"');
    expect(response.body).toBe(
      [
        'row,field,message',
        `2,"'=HYPERLINK(""http://evil"")",Unknown field.`,
        '3,title,"Too long, by far"',
        `4,'-2+3,'@SUM(A1)`,
        '',
      ].join('\n'),
    );
    await app.close();
  });
});
