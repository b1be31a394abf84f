export { editDistance, suggestionList, didYouMean, didYouMeanWith } from './suggest.js';
export { compareCodePoints } from './compare.js';
export { isCalendarDate } from './isCalendarDate.js';
