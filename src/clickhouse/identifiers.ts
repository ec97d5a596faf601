/** A backtick-quoted identifier (both ClickHouse 18.16 and current releases read this form). */
export function identifier(name: string): string {
  return '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
}

/** `db`.`table` */
export function tableName(database: string, table: string): string {
  return `${identifier(database)}.${identifier(table)}`;
}
