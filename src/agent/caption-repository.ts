import type { Db } from '../db/database.js';

export interface CaptionTarget {
  readonly id: string;
  readonly status: string;
  readonly alt_text: string;
  readonly caption: string;
}

export interface FilledFields {
  readonly altText: boolean;
  readonly caption: boolean;
}

/** All SQL of the caption agent. */
export function createCaptionRepository(db: Db) {
  return {
    async find(photoId: string): Promise<CaptionTarget | undefined> {
      return db.selectFrom('photos').select(['id', 'status', 'alt_text', 'caption']).where('id', '=', photoId).executeTakeFirst();
    },

    /**
     * Stores the agent's text only in fields that are still empty, each in its own guarded UPDATE:
     * whatever the owner has written, even while the model was thinking, is never overwritten.
     */
    async fillEmpty(photoId: string, text: { altText: string; caption: string }, now: number): Promise<FilledFields> {
      const fill = async (column: 'alt_text' | 'caption', value: string) => {
        if (value === '') return false;
        const result = await db
          .updateTable('photos')
          .set({ [column]: value, updated_at: now })
          .where('id', '=', photoId)
          .where('status', '=', 'ready')
          .where(column, '=', '')
          .executeTakeFirst();
        return Number(result.numUpdatedRows) === 1;
      };
      return { altText: await fill('alt_text', text.altText), caption: await fill('caption', text.caption) };
    },
  };
}

export type CaptionRepository = ReturnType<typeof createCaptionRepository>;
