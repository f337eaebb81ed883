import { useCallback, useEffect, useState } from 'react';
import type { FaceDto } from '../../../src-shared/api/contract.js';
import { useApp } from '../state/context.js';
import { usePeople, peopleClient } from '../state/people.js';
import { useMediaUrl } from './media.js';
import '../views/people.css';

type PhotoFace = FaceDto & { personName: string | null };

/** The faces of one photo as chips: a person's chip opens their page; "not them" takes the face out. */
export function FaceChips({ photoId }: { photoId: string }) {
  const [faces, setFaces] = useState<PhotoFace[]>([]);
  const mediaUrl = useMediaUrl();
  const setView = useApp((s) => s.setView);
  const openPerson = usePeople((s) => s.openPerson);
  const notThisPerson = usePeople((s) => s.notThisPerson);
  const reload = useCallback(() => {
    peopleClient()
      ?.['people.photoFaces']({ photoId })
      .then((r) => setFaces(r.faces), () => setFaces([]));
  }, [photoId]);
  useEffect(reload, [reload]);
  if (faces.length === 0) return null;
  return (
    <ul className="face-chips" aria-label="People in this photo">
      {faces.map((f) => (
        <li key={f.id} className="face-chip" data-testid="face-chip">
          {f.thumb ? <img className="face-img" src={mediaUrl(f.thumb)} alt="" /> : <span className="face-img face-missing" />}
          {f.personId ? (
            <>
              <button
                className="link"
                onClick={() => {
                  setView('people');
                  void openPerson(f.personId);
                }}
              >
                {f.personName ?? 'Unnamed person'}
              </button>
              <button className="link small" title="This face is not this person" onClick={() => void notThisPerson(f.id, f.personId!).then(reload)}>
                not them
              </button>
            </>
          ) : (
            <span className="muted">{f.gate === 'ok' ? 'no person yet' : 'low quality'}</span>
          )}
        </li>
      ))}
    </ul>
  );
}
