-- Lists as 公文 paragraphs (GB/T 9704 7.3.3), one rule for the DOCX, the PDF and the HTML.
--
-- An official document has no bullets and no hanging list indents: an enumeration is a run
-- of ordinary paragraphs, each indented two characters on its first line, its number written
-- as text. So every list item becomes paragraphs: an ordered item's first paragraph starts
-- with its number, "1." at the first list level (the standard's third level), "（1）" at the
-- second (its fourth) or when written "(1)", "①" below; a bullet item has no mark at all.
-- reportflow passes this filter to every pandoc run of a render, so the three formats print
-- the same text.

local CIRCLED = { "①", "②", "③", "④", "⑤", "⑥", "⑦", "⑧", "⑨", "⑩",
  "⑪", "⑫", "⑬", "⑭", "⑮", "⑯", "⑰", "⑱", "⑲", "⑳" }

local function marker(n, depth, delim)
  if depth == 1 and delim ~= "TwoParens" then
    return tostring(n) .. "."
  elseif depth <= 2 then
    return "（" .. tostring(n) .. "）"
  end
  return CIRCLED[n] or ("（" .. tostring(n) .. "）")
end

local flatten

local function item_blocks(blocks, mark, depth, out)
  local first = true
  for _, block in ipairs(blocks) do
    if block.t == "OrderedList" or block.t == "BulletList" then
      flatten(block, depth + 1, out)
    elseif (block.t == "Plain" or block.t == "Para") then
      local inlines = block.content
      if first and mark then
        inlines = { pandoc.Str(mark), table.unpack(inlines) }
      end
      out:insert(pandoc.Para(inlines))
      first = false
    else
      out:insert(block)
      first = false
    end
  end
end

flatten = function(list, depth, out)
  if list.t == "OrderedList" then
    local start = list.listAttributes.start or 1
    local delim = list.listAttributes.delimiter
    for i, item in ipairs(list.content) do
      item_blocks(item, marker(start + i - 1, depth, delim), depth, out)
    end
  else
    for _, item in ipairs(list.content) do
      item_blocks(item, nil, depth, out)
    end
  end
end

local function walk(blocks)
  local out = pandoc.List()
  for _, block in ipairs(blocks) do
    if block.t == "OrderedList" or block.t == "BulletList" then
      flatten(block, 1, out)
    elseif block.t == "BlockQuote" or block.t == "Div" then
      block.content = walk(block.content)
      out:insert(block)
    else
      out:insert(block)
    end
  end
  return out
end

function Pandoc(doc)
  doc.blocks = walk(doc.blocks)
  return doc
end
