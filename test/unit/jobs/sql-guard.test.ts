import { describe, expect, it } from 'vitest';
import { NightjarError } from '../../../src/errors/index.js';
import { checkQuerySql, QUERYABLE_TABLES, tokenize } from '../../../src/jobs/sql-guard.js';

const options = { database: 'nightjar', tables: QUERYABLE_TABLES, otherDatabases: ['default', 'system', 'nightjar', 'secrets'] };

function rejection(sql: string): string {
  try {
    checkQuerySql(sql, options);
  } catch (err) {
    expect(err).toBeInstanceOf(NightjarError);
    expect((err as NightjarError).code).toBe('JOB_QUERY_REJECTED');
    return (err as Error).message;
  }
  throw new Error(`accepted: ${sql}`);
}

describe('checkQuerySql', () => {
  it.each([
    'SELECT survey, count() FROM alerts GROUP BY survey',
    'select * from nightjar.alerts where mjd > 60000 order by mjd desc limit 10;',
    'WITH 1 AS one SELECT objectId FROM objects WHERE band = \'r\'',
    'SELECT a.alertId, p.mjd FROM alerts AS a JOIN lightcurve_points AS p ON a.objectId = p.objectId',
    'SELECT count() FROM (SELECT alertId FROM alert_positions WHERE sky_zone = 3)',
    "SELECT extract(survey_record, 'x') FROM alerts",
    "SELECT toYear(now()), trim(BOTH ' ' FROM objectId) FROM `alerts`",
    "SELECT 'FROM system.tables; DROP TABLE alerts' AS text FROM alerts -- settings in a comment",
  ])('accepts %s', (sql) => {
    expect(() => checkQuerySql(sql, options)).not.toThrow();
  });

  it('returns the SQL without its trailing semicolon', () => {
    expect(checkQuerySql('SELECT 1 FROM alerts ;  ', options)).toBe('SELECT 1 FROM alerts');
    expect(checkQuerySql('SELECT 1 FROM alerts; -- done', options)).toBe('SELECT 1 FROM alerts');
  });

  it.each([
    ['INSERT INTO alerts VALUES (1)', /one SELECT/],
    ['DROP TABLE alerts', /one SELECT/],
    ['SELECT 1 FROM alerts; DROP TABLE alerts', /one statement/],
    ['SELECT * FROM system.tables', /system/i],
    ['SELECT name FROM alerts WHERE system.one = 1', /SYSTEM/],
    ['SELECT * FROM `system`.`tables`', /not allowed|outside/],
    ['SELECT * FROM secrets.passwords', /database secrets is outside/],
    ['SELECT * FROM matches', /table matches is not one/],
    ['SELECT * FROM dead_letters', /table dead_letters/],
    ['SELECT * FROM job_results', /table job_results/],
    ["SELECT * FROM url('http://example.org/x.csv', CSV, 'a String')", /url\(\) reads outside|table url/],
    ["SELECT * FROM alerts WHERE alertId IN (SELECT * FROM file('/etc/passwd', 'TSV', 'a String'))", /file/],
    ["SELECT dictGetString('d', 'x', toUInt64(1)) FROM alerts", /dictGetString/],
    ['SELECT * FROM alerts SETTINGS max_execution_time = 100000', /SETTINGS/],
    ['SELECT * FROM alerts FORMAT TSV', /FORMAT/],
    ["SELECT * FROM alerts INTO OUTFILE '/tmp/x'", /INTO/],
    ['SELECT * FROM remote(\'127.0.0.1\', default.users)', /remote/],
    ['SELECT * FROM merge(\'secrets\', \'.*\')', /merge/],
    ['SELECT * FROM numbers(10)', /table numbers/],
    ["SELECT 'unterminated FROM alerts", /unterminated/],
    ['', /empty/],
  ])('rejects %s', (sql, reason) => {
    expect(rejection(sql)).toMatch(reason);
  });

  it('reads strings, quoted names and comments as single tokens', () => {
    const tokens = tokenize("SELECT 'it''s' , \"a b\" /* x */ -- y\n FROM t");
    expect(tokens.map((t) => [t.kind, t.text])).toEqual([
      ['word', 'SELECT'],
      ['string', "it's"],
      ['punct', ','],
      ['quoted', 'a b'],
      ['word', 'FROM'],
      ['word', 't'],
    ]);
  });
});
