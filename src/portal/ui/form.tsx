import type { ComponentChildren, JSX } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { toFormErrors, type FormErrors } from '../lib/api.js';
import { validate, type Rules, type Values } from '../lib/validate.js';

export interface Form {
  readonly id: string;
  readonly values: Values;
  readonly errors: FormErrors;
  readonly busy: boolean;
  set(name: string, value: string | boolean): void;
  reset(values?: Values): void;
  onSubmit(e: Event): void;
}

export interface FormOptions {
  readonly id: string;
  readonly initial: Values;
  readonly rules?: Rules;
  /** Field names the form shows, so that API errors with these paths land next to them. */
  readonly fields: readonly string[];
  readonly submit: (values: Values) => Promise<void>;
}

/** Field → input element id. */
export const fieldId = (form: string, name: string): string => `${form}-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;

/**
 * Form state with client-side checks first, then the API call; errors land next to their
 * fields (API paths included) and focus moves to the first field at fault.
 */
export function useForm(o: FormOptions): Form {
  const [values, setValues] = useState<Values>(o.initial);
  const [errors, setErrors] = useState<FormErrors>({ fields: {} });
  const [busy, setBusy] = useState(false);
  const latest = useRef(values);
  latest.current = values;

  function focusFirst(fields: Readonly<Record<string, string>>): void {
    const first = o.fields.find((f) => fields[f]);
    const el = first ? document.getElementById(fieldId(o.id, first)) : null;
    if (el) el.focus();
    else document.getElementById(`${o.id}-error`)?.focus();
  }

  return {
    id: o.id,
    values,
    errors,
    busy,
    set(name, value) {
      setValues((v) => ({ ...v, [name]: value }));
      if (errors.fields[name]) setErrors((e) => ({ ...e, fields: { ...e.fields, [name]: '' } }));
    },
    reset(next) {
      setValues(next ?? o.initial);
      setErrors({ fields: {} });
    },
    onSubmit(e) {
      e.preventDefault();
      if (busy) return;
      const local = validate(latest.current, o.rules ?? {});
      if (Object.keys(local).length > 0) {
        setErrors({ fields: local, form: 'Please correct the fields marked below.' });
        queueMicrotask(() => focusFirst(local));
        return;
      }
      setBusy(true);
      setErrors({ fields: {} });
      o.submit(latest.current).then(
        () => setBusy(false),
        (err: unknown) => {
          const fe = toFormErrors(err, o.fields);
          setErrors(fe);
          setBusy(false);
          queueMicrotask(() => focusFirst(fe.fields));
        },
      );
    },
  };
}

interface FieldProps {
  readonly form: Form;
  readonly name: string;
  readonly label: string;
  readonly hint?: string;
}

function describedBy(form: Form, name: string, hint?: string): string | undefined {
  const ids = [hint ? `${fieldId(form.id, name)}-hint` : '', form.errors.fields[name] ? `${fieldId(form.id, name)}-error` : ''].filter(Boolean);
  return ids.length > 0 ? ids.join(' ') : undefined;
}

function FieldShell({ form, name, label, hint, children }: FieldProps & { children: ComponentChildren }) {
  const id = fieldId(form.id, name);
  const err = form.errors.fields[name];
  return (
    <div class={`field${err ? ' invalid' : ''}`}>
      <label for={id}>{label}</label>
      {children}
      {hint && <small id={`${id}-hint`} class="hint">{hint}</small>}
      {err && <span id={`${id}-error`} class="field-error" data-field-error={name}>{err}</span>}
    </div>
  );
}

type InputProps = FieldProps & { type?: string; placeholder?: string; autoComplete?: string; inputMode?: JSX.HTMLAttributes['inputMode']; required?: boolean };

export function TextField(p: InputProps) {
  const { form, name } = p;
  return (
    <FieldShell {...p}>
      <input
        id={fieldId(form.id, name)}
        name={name}
        type={p.type ?? 'text'}
        value={String(form.values[name] ?? '')}
        placeholder={p.placeholder}
        autoComplete={p.autoComplete ?? 'off'}
        inputMode={p.inputMode}
        aria-required={p.required ? 'true' : undefined}
        aria-invalid={form.errors.fields[name] ? 'true' : undefined}
        aria-describedby={describedBy(form, name, p.hint)}
        onInput={(e) => form.set(name, (e.currentTarget as HTMLInputElement).value)}
      />
    </FieldShell>
  );
}

export function TextArea(p: FieldProps & { rows?: number; placeholder?: string }) {
  const { form, name } = p;
  return (
    <FieldShell {...p}>
      <textarea
        id={fieldId(form.id, name)}
        name={name}
        rows={p.rows ?? 4}
        value={String(form.values[name] ?? '')}
        placeholder={p.placeholder}
        aria-invalid={form.errors.fields[name] ? 'true' : undefined}
        aria-describedby={describedBy(form, name, p.hint)}
        onInput={(e) => form.set(name, (e.currentTarget as HTMLTextAreaElement).value)}
      />
    </FieldShell>
  );
}

export interface Option {
  readonly value: string;
  readonly label: string;
}

export function SelectField(p: FieldProps & { options: readonly Option[]; required?: boolean }) {
  const { form, name } = p;
  return (
    <FieldShell {...p}>
      <select
        id={fieldId(form.id, name)}
        name={name}
        value={String(form.values[name] ?? '')}
        aria-required={p.required ? 'true' : undefined}
        aria-invalid={form.errors.fields[name] ? 'true' : undefined}
        aria-describedby={describedBy(form, name, p.hint)}
        onChange={(e) => form.set(name, (e.currentTarget as HTMLSelectElement).value)}
      >
        {p.options.map((o) => (
          <option key={o.value} value={o.value}>{o.label}</option>
        ))}
      </select>
    </FieldShell>
  );
}

export function CheckboxField(p: FieldProps) {
  const { form, name } = p;
  const id = fieldId(form.id, name);
  const err = form.errors.fields[name];
  return (
    <div class={`field checkbox${err ? ' invalid' : ''}`}>
      <input
        id={id}
        name={name}
        type="checkbox"
        checked={form.values[name] === true}
        aria-invalid={err ? 'true' : undefined}
        aria-describedby={describedBy(form, name, p.hint)}
        onChange={(e) => form.set(name, (e.currentTarget as HTMLInputElement).checked)}
      />
      <label for={id}>{p.label}</label>
      {p.hint && <small id={`${id}-hint`} class="hint">{p.hint}</small>}
      {err && <span id={`${id}-error`} class="field-error" data-field-error={name}>{err}</span>}
    </div>
  );
}

/** The form-level message (the API's `msg`); focusable so it can take focus after a failure. */
export function FormError({ form }: { form: Form }) {
  return (
    <div id={`${form.id}-error`} class="form-error" role="alert" tabIndex={-1} hidden={!form.errors.form}>
      {form.errors.form}
    </div>
  );
}

export function FormShell({ form, label, children }: { form: Form; label: string; children: ComponentChildren }) {
  return (
    <form id={form.id} aria-label={label} noValidate onSubmit={form.onSubmit} aria-busy={form.busy ? 'true' : undefined}>
      <FormError form={form} />
      {children}
    </form>
  );
}
