import { describe, expect, it } from 'vitest';
import { commandFor } from './shortcuts';

describe('commandFor', () => {
  it('maps the editor shortcuts', () => {
    expect(commandFor({ key: 'z', ctrlKey: true })).toBe('undo');
    expect(commandFor({ key: 'Z', metaKey: true, shiftKey: true })).toBe('redo');
    expect(commandFor({ key: 'y', ctrlKey: true })).toBe('redo');
    expect(commandFor({ key: 'Delete' })).toBe('delete');
    expect(commandFor({ key: 'Backspace' })).toBe('delete');
    expect(commandFor({ key: 'd', metaKey: true })).toBe('duplicate');
    expect(commandFor({ key: 'a', ctrlKey: true })).toBe('selectAll');
    expect(commandFor({ key: 's', ctrlKey: true })).toBe('save');
    expect(commandFor({ key: 'Enter', ctrlKey: true })).toBe('dryRun');
    expect(commandFor({ key: 'f' })).toBe('fitView');
    expect(commandFor({ key: 'L', shiftKey: true })).toBe('layout');
    expect(commandFor({ key: 'Escape' })).toBe('deselect');
    expect(commandFor({ key: '?' })).toBe('help');
    expect(commandFor({ key: 'x' })).toBeNull();
    expect(commandFor({ key: 'f', altKey: true })).toBeNull();
  });

  it('leaves typing alone inside text fields', () => {
    expect(commandFor({ key: 'Backspace', inTextField: true })).toBeNull();
    expect(commandFor({ key: 'z', ctrlKey: true, inTextField: true })).toBeNull();
    expect(commandFor({ key: 'f', inTextField: true })).toBeNull();
    expect(commandFor({ key: 's', ctrlKey: true, inTextField: true })).toBe('save');
    expect(commandFor({ key: 'Enter', metaKey: true, inTextField: true })).toBe('dryRun');
  });
});
