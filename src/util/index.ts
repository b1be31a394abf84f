export { editDistance, suggestionList, didYouMean } from './suggest.js';
export { compareCodePoints } from './compare.js';
export { isCalendarDate } from './isCalendarDate.js';
