// The theme reaches every pane through context, so App picks it once (--theme, NO_COLOR) and panes just ask.
import {createContext, useContext} from 'react';
import {DEFAULT_THEME, type Theme} from './theme.js';

export const ThemeContext = createContext<Theme>(DEFAULT_THEME);

export function useTheme(): Theme {
  return useContext(ThemeContext);
}
