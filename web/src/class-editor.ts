/**
 * The project's class list, editable in the side panel: add, rename, recolour, change the hotkey,
 * delete. Each change is saved whole to the project; a rename carries the objects labelled with the
 * old name (every image). Clicking a class's key (or pressing it) labels the next object with it.
 */
import { nextClassColor } from '../../src/project/classes.js';
import { classList, type ProjectClass } from './class-list.js';

export interface ClassEditorDeps {
  /** Put a class name in the label field for the next object. */
  choose: (c: ProjectClass) => void;
  /** The label the next object gets ('' for none), to mark its class. */
  current: () => string;
}

export function mountClassEditor(host: HTMLElement, deps: ClassEditorDeps): { render: () => void } {
  host.classList.add('class-editor');
  const head = document.createElement('div');
  head.className = 'class-head';
  const title = document.createElement('h3');
  title.textContent = 'Classes';
  const add = document.createElement('button');
  add.className = 'btn ghost small';
  add.id = 'class-add';
  add.textContent = '+ Add class';
  head.append(title, add);
  const list = document.createElement('ul');
  list.className = 'class-list';
  list.id = 'class-list';
  const error = document.createElement('div');
  error.className = 'class-error small';
  error.id = 'class-error';
  error.hidden = true;
  host.replaceChildren(head, list, error);

  const save = async (next: ProjectClass[], renamed: Record<string, string> = {}): Promise<void> => {
    try {
      await classList.save(next, renamed);
      error.hidden = true;
    } catch (err) {
      error.textContent = `Classes not saved: ${(err as Error).message}`;
      error.hidden = false;
      render();
    }
  };

  const render = (): void => {
    const current = deps.current();
    list.replaceChildren(...classList.list.map((c, i) => {
      const li = document.createElement('li');
      li.className = `class-row${c.name === current ? ' active' : ''}`;
      li.dataset.name = c.name;
      const use = document.createElement('button');
      use.className = 'class-use';
      use.style.background = c.color;
      use.textContent = c.hotkey ? String(c.hotkey) : '·';
      use.title = `Label the next object “${c.name}”${c.hotkey ? ` (${c.hotkey})` : ''}`;
      use.addEventListener('click', () => { deps.choose(c); use.blur(); });
      const color = document.createElement('input');
      color.type = 'color';
      color.className = 'class-color';
      color.value = c.color;
      color.title = 'Colour';
      color.addEventListener('change', () => void save(classList.list.map((x, k) => (k === i ? { ...x, color: color.value } : x))));
      const name = document.createElement('input');
      name.className = 'class-name';
      name.value = c.name;
      name.maxLength = 200;
      name.spellcheck = false;
      name.title = 'Rename (objects with this label follow)';
      name.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === 'Escape') { if (e.key === 'Escape') name.value = c.name; name.blur(); } });
      name.addEventListener('change', () => {
        const to = name.value.trim();
        if (!to || to === c.name) { name.value = c.name; return; }
        void save(classList.list.map((x, k) => (k === i ? { ...x, name: to } : x)), { [c.name]: to });
      });
      const hotkey = document.createElement('select');
      hotkey.className = 'class-hotkey';
      hotkey.title = 'Hotkey';
      hotkey.append(new Option('–', ''), ...Array.from({ length: 9 }, (_, k) => new Option(String(k + 1), String(k + 1))));
      hotkey.value = c.hotkey ? String(c.hotkey) : '';
      hotkey.addEventListener('change', () => {
        const h = hotkey.value ? Number(hotkey.value) : null;
        // The key moves: another class holding it loses it.
        void save(classList.list.map((x, k) => (k === i ? { ...x, hotkey: h } : h !== null && x.hotkey === h ? { ...x, hotkey: null } : x)));
        hotkey.blur();
      });
      const del = document.createElement('button');
      del.className = 'btn ghost icon small class-delete';
      del.textContent = '✕';
      del.title = `Delete the class “${c.name}” (objects keep the label)`;
      del.addEventListener('click', () => void save(classList.list.filter((_, k) => k !== i)));
      li.append(use, color, name, hotkey, del);
      return li;
    }));
  };

  add.addEventListener('click', () => {
    const names = new Set(classList.list.map((c) => c.name));
    let n = classList.list.length + 1;
    while (names.has(`class ${n}`)) n++;
    const used = new Set(classList.list.map((c) => c.hotkey));
    const hotkey = [1, 2, 3, 4, 5, 6, 7, 8, 9].find((h) => !used.has(h)) ?? null;
    const name = `class ${n}`;
    void save([...classList.list, { name, color: nextClassColor(classList.list), hotkey }]).then(() => {
      const input = list.querySelector<HTMLInputElement>(`li[data-name="${CSS.escape(name)}"] .class-name`);
      input?.focus();
      input?.select();
    });
  });
  classList.onChange(render);
  render();
  return { render };
}
