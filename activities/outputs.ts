// Where a job's outputs live in object storage: stable keys, organised by batch, language and title.

/** A filesystem- and URL-safe short form of a title. */
export function slug(title: string): string {
  const s = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/g, '');
  return s || 'title';
}

export interface JobLocation {
  batchId: string;
  language: string;
  titleIndex: number;
  variation: number;
  title: string;
}

/** Folder of one job's outputs: `batches/<batch>/<language>/<nnnn>-v<variation>-<slug>/`. */
export function jobPrefix(j: JobLocation): string {
  return `batches/${j.batchId}/${j.language}/${String(j.titleIndex + 1).padStart(4, '0')}-v${j.variation}-${slug(j.title)}/`;
}
