<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
    <context>
        <name>AboutDialog</name>
        <message>
            <source>Help and Shortcuts</source>
            <translation>帮助与快捷键</translation>
        </message>
        <message>
            <source>Add photos</source>
            <translation>添加照片</translation>
        </message>
        <message>
            <source>Add a folder of photos (with its sub-folders)</source>
            <translation>添加照片文件夹（包括子文件夹）</translation>
        </message>
        <message>
            <source>Paste photos, copied files or a list of labels</source>
            <translation>粘贴照片、复制的文件或标签列表</translation>
        </message>
        <message>
            <source>Remove the selected photos or labels</source>
            <translation>移除选中的照片或标签</translation>
        </message>
        <message>
            <source>Label all photos</source>
            <translation>为所有照片打标签</translation>
        </message>
        <message>
            <source>Cancel what is running</source>
            <translation>取消正在进行的任务</translation>
        </message>
        <message>
            <source>Copy the selected photo's results</source>
            <translation>复制所选照片的结果</translation>
        </message>
        <message>
            <source>Export results as CSV or JSON</source>
            <translation>将结果导出为 CSV 或 JSON</translation>
        </message>
        <message>
            <source>This help</source>
            <translation>本帮助</translation>
        </message>
        <message>
            <source>Offline photo labeling with OpenAI’s CLIP. Drop photos, type the labels you care about, and see how well each one fits.</source>
            <translation>基于 OpenAI CLIP 的离线照片标注工具。拖入照片，输入你关心的标签，即可看到每个标签与照片的匹配程度。</translation>
        </message>
        <message>
            <source>Settings are kept in %1</source>
            <translation>设置保存在 %1</translation>
        </message>
    </context>
    <context>
        <name>ChineseLabelsAdvice</name>
        <message>
            <source>These labels need a Chinese model</source>
            <translation>这些标签需要中文模型</translation>
        </message>
        <message>
            <source>Most labels are in Chinese, but %1 reads only English: its ranking of them is close to noise.</source>
            <translation>大多数标签是中文，但 %1 只读得懂英文：它对这些标签的排序几乎是随机的。</translation>
        </message>
        <message>
            <source>Chinese-CLIP ranks labels written in Chinese. Switch to %1? (It is downloaded once if it is not on this computer.)</source>
            <translation>Chinese-CLIP 能为中文标签排序。要切换到 %1 吗？（如果这台电脑上还没有，会下载一次。）</translation>
        </message>
        <message>
            <source>Switch to %1</source>
            <translation>切换到 %1</translation>
        </message>
        <message>
            <source>Keep %1</source>
            <translation>继续使用 %1</translation>
        </message>
    </context>
    <context>
        <name>DuplicatesDialog</name>
        <message>
            <source>Group Near-Duplicates</source>
            <translation>归组近似重复照片</translation>
        </message>
        <message>
            <source>Photos at least this alike are shown side by side, best groups first. Lower finds more (similar scenes); higher finds only copies and bursts.</source>
            <translation>相似度不低于此值的照片会并排显示。数值越低找到越多（相似场景）；越高则只找副本和连拍。</translation>
        </message>
        <message>
            <source>Similarity at least %1</source>
            <translation>相似度不低于 %1</translation>
        </message>
    </context>
    <context>
        <name>FileActions</name>
        <message>
            <source>Export Results</source>
            <translation>导出结果</translation>
        </message>
        <message>
            <source>CSV spreadsheet (*.csv);;JSON (*.json)</source>
            <translation>CSV 表格 (*.csv);;JSON (*.json)</translation>
        </message>
        <message>
            <source>Nothing to export yet: add labels and photos first</source>
            <translation>暂无可导出的内容：请先添加标签和照片</translation>
        </message>
        <message>
            <source>Export failed</source>
            <translation>导出失败</translation>
        </message>
        <message numerus="yes">
            <source>Exported %n photo(s) to %1</source>
            <translation>
                <numerusform>已将 %n 张照片导出到 %1</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>(%n not labelled yet)</source>
            <translation>
                <numerusform>（%n 张尚未标注）</numerusform>
            </translation>
        </message>
        <message>
            <source>Open Label Set</source>
            <translation>打开标签集</translation>
        </message>
        <message>
            <source>Label sets and lists (*.json *.txt *.csv);;All files (*)</source>
            <translation>标签集和标签列表 (*.json *.txt *.csv);;所有文件 (*)</translation>
        </message>
        <message>
            <source>Could not open the label set</source>
            <translation>无法打开标签集</translation>
        </message>
        <message numerus="yes">
            <source>Opened %n label(s) from %1</source>
            <translation>
                <numerusform>已从 %1 打开 %n 个标签</numerusform>
            </translation>
        </message>
        <message>
            <source>Save Label Set</source>
            <translation>保存标签集</translation>
        </message>
        <message>
            <source>Label set (*.json)</source>
            <translation>标签集 (*.json)</translation>
        </message>
        <message>
            <source>Could not save the label set</source>
            <translation>无法保存标签集</translation>
        </message>
        <message numerus="yes">
            <source>Saved %n label(s) to %1</source>
            <translation>
                <numerusform>已将 %n 个标签保存到 %1</numerusform>
            </translation>
        </message>
        <message>
            <source>No recent label sets</source>
            <translation>没有最近使用的标签集</translation>
        </message>
        <message>
            <source>Clear Recent</source>
            <translation>清除最近记录</translation>
        </message>
        <message>
            <source>Exporting results to %1…</source>
            <translation>正在将结果导出到 %1…</translation>
        </message>
        <message>
            <source>Export failed: %1</source>
            <translation>导出失败：%1</translation>
        </message>
    </context>
    <context>
        <name>FirstRunDialog</name>
        <message>
            <source>Get the model</source>
            <translation>获取模型</translation>
        </message>
        <message>
            <source>clipdesk needs the %1 model</source>
            <translation>clipdesk 需要 %1 模型</translation>
        </message>
        <message>
            <source>Import Weights File…</source>
            <translation>导入权重文件…</translation>
        </message>
        <message>
            <source>Not Now</source>
            <translation>以后再说</translation>
        </message>
        <message>
            <source>Cancel Download</source>
            <translation>取消下载</translation>
        </message>
        <message>
            <source>a few hundred MB</source>
            <translation>几百 MB</translation>
        </message>
        <message>
            <source>The model is downloaded once (%1) and kept on this computer; after that clipdesk works offline. On a computer without internet, download the file elsewhere and import it here.</source>
            <translation>模型只需下载一次（%1），之后保存在这台电脑上，clipdesk 即可离线使用。如果这台电脑无法上网，可以在别处下载该文件，再在这里导入。</translation>
        </message>
        <message>
            <source>It comes from %1; when that cannot be reached, from %2.</source>
            <translation>从 %1 下载；无法连接时改从 %2 下载。</translation>
        </message>
        <message>
            <source>It comes from %1.</source>
            <translation>从 %1 下载。</translation>
        </message>
        <message>
            <source>Connecting…</source>
            <translation>正在连接…</translation>
        </message>
        <message>
            <source>Download paused. What has arrived is kept: Resume continues from there.</source>
            <translation>下载已暂停。已下载的部分会保留，点击“继续下载”可从中断处接着下载。</translation>
        </message>
        <message>
            <source>Copying and checking %1…</source>
            <translation>正在复制并校验 %1…</translation>
        </message>
        <message>
            <source>Import Weights File</source>
            <translation>导入权重文件</translation>
        </message>
        <message>
            <source>Model weights (%1);;All files (*)</source>
            <translation>模型权重 (%1);;所有文件 (*)</translation>
        </message>
        <message>
            <source>%1 of %2</source>
            <translation>%1 / %2</translation>
        </message>
        <message>
            <source>%1, from %2</source>
            <translation>%1，来自 %2</translation>
        </message>
        <message>
            <source>Check the internet connection and try again, or import the file.</source>
            <translation>请检查网络连接后重试，或者导入文件。</translation>
        </message>
        <message>
            <source>The download failed: %1</source>
            <translation>下载失败：%1</translation>
        </message>
        <message>
            <source>That file cannot be used: %1</source>
            <translation>无法使用该文件：%1</translation>
        </message>
        <message>
            <source>Resume Download</source>
            <translation>继续下载</translation>
        </message>
        <message>
            <source>Try Again</source>
            <translation>重试</translation>
        </message>
        <message>
            <source>Download</source>
            <translation>下载</translation>
        </message>
    </context>
    <context>
        <name>KeepRuleField</name>
        <message>
            <source>&amp;Keep:</source>
            <translation>保留(&amp;K)：</translation>
        </message>
        <message>
            <source>the most probable</source>
            <translation>概率最高的</translation>
        </message>
        <message>
            <source>every label at least</source>
            <translation>概率不低于此值的所有标签</translation>
        </message>
        <message>
            <source>the most probable, if at least</source>
            <translation>概率最高的（且不低于）</translation>
        </message>
        <message>
            <source> label(s)</source>
            <translation> 个标签</translation>
        </message>
        <message>
            <source>Which labels a photo gets when you write keywords or sort into folders. A photo whose labels all miss the percentage gets none (it goes to “unsorted”).</source>
            <translation>写入关键词或分类到文件夹时，每张照片得到哪些标签。所有标签都低于该百分比的照片不得到标签（归入“unsorted”）。</translation>
        </message>
    </context>
    <context>
        <name>LabelEditor</name>
        <message>
            <source>Type a label and press Enter</source>
            <translation>输入标签后按回车</translation>
        </message>
        <message>
            <source>Commas or pasted lines add several labels at once</source>
            <translation>用逗号分隔或粘贴多行，可一次添加多个标签</translation>
        </message>
        <message>
            <source>No labels yet.
Type what you are looking for, e.g.
receipt, cat, red envelope</source>
            <translation>还没有标签。
输入你要找的内容，例如：
收据, 猫, 红包</translation>
        </message>
        <message>
            <source>Remove</source>
            <translation>移除</translation>
        </message>
        <message>
            <source>Remove the selected labels (Delete)</source>
            <translation>移除选中的标签（Delete）</translation>
        </message>
        <message>
            <source>“%1” is already in the list</source>
            <translation>“%1”已在列表中</translation>
        </message>
        <message>
            <source>Too long: the model only reads the first %1 tokens of this prompt, the rest is cut off.</source>
            <translation>太长：模型只读取这个提示的前 %1 个词元，其余部分会被截掉。</translation>
        </message>
        <message numerus="yes">
            <source>%n label(s) too long: the model reads only the first %1 tokens.</source>
            <translation>
                <numerusform>%n 个标签太长：模型只读取前 %1 个词元。</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n label(s)</source>
            <translation>
                <numerusform>%n 个标签</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>LabelsPane</name>
        <message>
            <source>Labels</source>
            <translation>标签</translation>
        </message>
        <message>
            <source>&amp;Prompt templates, one per line ({} is the label; several are averaged):</source>
            <translation>提示模板(&amp;P)，每行一个（{} 代表标签；多个模板取平均）：</translation>
        </message>
        <message>
            <source>Label All Photos</source>
            <translation>为所有照片打标签</translation>
        </message>
    </context>
    <context>
        <name>LibraryActions</name>
        <message>
            <source>Take back the keywords clipdesk just wrote? Keywords added since by you or other programs are kept.</source>
            <translation>撤销 clipdesk 刚写入的关键词吗？之后由您或其他程序添加的关键词会保留。</translation>
        </message>
        <message>
            <source>Take back the sort into folders? Copies are removed and moved photos go back, each only while it is still the file clipdesk placed.</source>
            <translation>撤销分类到文件夹吗？副本会被删除，移动的照片会移回原处——仅限仍是 clipdesk 放置的原文件。</translation>
        </message>
        <message>
            <source>Undo</source>
            <translation>撤销</translation>
        </message>
        <message>
            <source>&amp;Undo Write Keywords</source>
            <translation>撤销写入关键词(&amp;U)</translation>
        </message>
        <message>
            <source>&amp;Undo Sort into Folders</source>
            <translation>撤销分类到文件夹(&amp;U)</translation>
        </message>
        <message>
            <source>Nothing labelled yet</source>
            <translation>尚无已标注的照片</translation>
        </message>
        <message>
            <source>Label the photos first: keywords and folders come from the labels each photo keeps.</source>
            <translation>请先标注照片：关键词和文件夹来自每张照片保留的标签。</translation>
        </message>
        <message>
            <source>Writing keywords…</source>
            <translation>正在写入关键词…</translation>
        </message>
        <message>
            <source>Sorting into folders…</source>
            <translation>正在分类到文件夹…</translation>
        </message>
        <message>
            <source>Undoing…</source>
            <translation>正在撤销…</translation>
        </message>
        <message>
            <source>Nothing was changed</source>
            <translation>未做任何更改</translation>
        </message>
        <message>
            <source>Keywords written to %1 photo(s), %2 already up to date, %3 failed</source>
            <translation>已为 %1 张照片写入关键词，%2 张已是最新，%3 张失败</translation>
        </message>
        <message>
            <source>Sorted %1 photo(s), %2 already there, %3 failed</source>
            <translation>已分类 %1 张照片，%2 张已在目标处，%3 张失败</translation>
        </message>
        <message>
            <source> (stopped; what was done can be undone)</source>
            <translation>（已停止；已完成的部分可以撤销）</translation>
        </message>
        <message>
            <source>Some photos were left as they were</source>
            <translation>部分照片保持原样</translation>
        </message>
        <message>
            <source>That was already undone</source>
            <translation>该操作已被撤销</translation>
        </message>
        <message>
            <source>Undone: %1 restored, %2 skipped, %3 failed</source>
            <translation>已撤销：恢复 %1 项，跳过 %2 项，失败 %3 项</translation>
        </message>
        <message>
            <source>… and %1 more</source>
            <translation>… 以及另外 %1 项</translation>
        </message>
    </context>
    <context>
        <name>MainWindow</name>
        <message>
            <source>clipdesk — photo labeling</source>
            <translation>clipdesk — 照片标注</translation>
        </message>
        <message>
            <source>&amp;File</source>
            <translation>文件(&amp;F)</translation>
        </message>
        <message>
            <source>&amp;Edit</source>
            <translation>编辑(&amp;E)</translation>
        </message>
        <message>
            <source>&amp;View</source>
            <translation>视图(&amp;V)</translation>
        </message>
        <message>
            <source>&amp;Model</source>
            <translation>模型(&amp;M)</translation>
        </message>
        <message>
            <source>&amp;Help</source>
            <translation>帮助(&amp;H)</translation>
        </message>
        <message>
            <source>Recent Label Sets</source>
            <translation>最近的标签集</translation>
        </message>
        <message>
            <source>Recent &amp;Projects</source>
            <translation>最近的项目(&amp;P)</translation>
        </message>
        <message>
            <source>&amp;New Project</source>
            <translation>新建项目(&amp;N)</translation>
        </message>
        <message>
            <source>Open P&amp;roject…</source>
            <translation>打开项目(&amp;R)…</translation>
        </message>
        <message>
            <source>Save Pro&amp;ject</source>
            <translation>保存项目(&amp;J)</translation>
        </message>
        <message>
            <source>Save Project &amp;As…</source>
            <translation>项目另存为(&amp;A)…</translation>
        </message>
        <message>
            <source>Locate &amp;Missing Photos…</source>
            <translation>查找缺失的照片(&amp;M)…</translation>
        </message>
        <message>
            <source>&amp;Watch a Folder…</source>
            <translation>监视文件夹(&amp;W)…</translation>
        </message>
        <message>
            <source>Look for &amp;New Photos in Watched Folders</source>
            <translation>在监视的文件夹中查找新照片(&amp;N)</translation>
        </message>
        <message>
            <source>&amp;Add Photos…</source>
            <translation>添加照片(&amp;A)…</translation>
        </message>
        <message>
            <source>Add &amp;Folder…</source>
            <translation>添加文件夹(&amp;F)…</translation>
        </message>
        <message>
            <source>&amp;Open Label Set…</source>
            <translation>打开标签集(&amp;O)…</translation>
        </message>
        <message>
            <source>&amp;Save Label Set As…</source>
            <translation>标签集另存为(&amp;S)…</translation>
        </message>
        <message>
            <source>&amp;Export Results…</source>
            <translation>导出结果(&amp;E)…</translation>
        </message>
        <message>
            <source>Write &amp;Keywords…</source>
            <translation>写入关键词(&amp;K)…</translation>
        </message>
        <message>
            <source>Sort into Fol&amp;ders…</source>
            <translation>分类到文件夹(&amp;D)…</translation>
        </message>
        <message>
            <source>&amp;Quit</source>
            <translation>退出(&amp;Q)</translation>
        </message>
        <message>
            <source>&amp;Paste</source>
            <translation>粘贴(&amp;P)</translation>
        </message>
        <message>
            <source>&amp;Copy Results</source>
            <translation>复制结果(&amp;C)</translation>
        </message>
        <message>
            <source>&amp;Remove Selected Photos</source>
            <translation>移除选中的照片(&amp;R)</translation>
        </message>
        <message>
            <source>C&amp;lear Photos</source>
            <translation>清空照片(&amp;L)</translation>
        </message>
        <message>
            <source>Pre&amp;ferences…</source>
            <translation>首选项(&amp;F)…</translation>
        </message>
        <message>
            <source>&amp;Label All Photos</source>
            <translation>为所有照片打标签(&amp;L)</translation>
        </message>
        <message>
            <source>&amp;Cancel</source>
            <translation>取消(&amp;C)</translation>
        </message>
        <message>
            <source>Use Checkpoint &amp;File…</source>
            <translation>使用检查点文件(&amp;F)…</translation>
        </message>
        <message>
            <source>&amp;Download or Import Weights…</source>
            <translation>下载或导入权重(&amp;D)…</translation>
        </message>
        <message>
            <source>&amp;Help and Shortcuts</source>
            <translation>帮助与快捷键(&amp;H)</translation>
        </message>
        <message>
            <source>&amp;Search Photos</source>
            <translation>搜索照片(&amp;S)</translation>
        </message>
        <message>
            <source>Find Similar &amp;Photos</source>
            <translation>查找相似照片(&amp;P)</translation>
        </message>
        <message>
            <source>Group Near-&amp;Duplicates…</source>
            <translation>归组近似重复照片(&amp;D)…</translation>
        </message>
        <message>
            <source>&amp;Usual Order</source>
            <translation>原来的顺序(&amp;U)</translation>
        </message>
        <message>
            <source>Add photos (Ctrl+O)</source>
            <translation>添加照片（Ctrl+O）</translation>
        </message>
        <message>
            <source>Remove every photo from the list</source>
            <translation>从列表中移除所有照片</translation>
        </message>
        <message>
            <source>Copy the selected photos' results as text</source>
            <translation>将所选照片的结果复制为文本</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
        <message>
            <source>Write the labels each photo keeps as keywords that digiKam, Lightroom, darktable and Immich read</source>
            <translation>将每张照片保留的标签写为 digiKam、Lightroom、darktable 和 Immich 可读取的关键词</translation>
        </message>
        <message numerus="yes">
            <source>Added %n label(s)</source>
            <translation>
                <numerusform>已添加 %n 个标签</numerusform>
            </translation>
        </message>
        <message>
            <source>Nothing to copy yet: select a labelled photo</source>
            <translation>暂无可复制的内容：请选择一张已标注的照片</translation>
        </message>
        <message numerus="yes">
            <source>Copied the results of %n photo(s)</source>
            <translation>
                <numerusform>已复制 %n 张照片的结果</numerusform>
            </translation>
        </message>
        <message>
            <source>Watch a Folder</source>
            <translation>监视文件夹</translation>
        </message>
        <message>
            <source>Watching %1: new photos there are added and labelled</source>
            <translation>正在监视 %1：其中的新照片会被添加并标注</translation>
        </message>
        <message>
            <source>No photo is missing</source>
            <translation>没有缺失的照片</translation>
        </message>
        <message>
            <source>Where are the missing photos?</source>
            <translation>缺失的照片在哪里？</translation>
        </message>
        <message>
            <source>Found %1 of %2 missing photos</source>
            <translation>找到了 %2 张缺失照片中的 %1 张</translation>
        </message>
        <message>
            <source>Select a photo first: similar photos are found from it</source>
            <translation>请先选择一张照片：将根据它查找相似照片</translation>
        </message>
        <message>
            <source>Wait for the model: it compares the photos</source>
            <translation>请等待模型加载：由它比较照片</translation>
        </message>
        <message>
            <source>&amp;Undo</source>
            <translation>撤销(&amp;U)</translation>
        </message>
        <message>
            <source>Settings cannot be saved</source>
            <translation>无法保存设置</translation>
        </message>
        <message>
            <source>clipdesk cannot write its settings file %1, so your labels and choices will not be remembered after you close the window. Save the labels with File → Save Label Set As… to keep them.</source>
            <translation>clipdesk 无法写入设置文件 %1，关闭窗口后不会记住你的标签和选择。请用“文件 → 标签集另存为…”保存标签。</translation>
        </message>
    </context>
    <context>
        <name>ModelControl</name>
        <message>
            <source>Loading the model %1…</source>
            <translation>正在加载模型 %1…</translation>
        </message>
        <message>
            <source>Use a Checkpoint File</source>
            <translation>使用检查点文件</translation>
        </message>
        <message>
            <source>Model weights (%1);;All files (*)</source>
            <translation>模型权重 (%1);;所有文件 (*)</translation>
        </message>
        <message>
            <source>%1 is already on this computer</source>
            <translation>%1 已在这台电脑上</translation>
        </message>
        <message>
            <source>Ready</source>
            <translation>就绪</translation>
        </message>
        <message>
            <source>The model %1 is not on this computer yet</source>
            <translation>这台电脑上还没有 %1 模型</translation>
        </message>
        <message>
            <source>No model yet: use Model → Download or Import Weights…</source>
            <translation>还没有模型：请使用“模型 → 下载或导入权重…”</translation>
        </message>
        <message>
            <source>Could not load the model: %1</source>
            <translation>无法加载模型：%1</translation>
        </message>
        <message>
            <source>The model could not be loaded</source>
            <translation>无法加载模型</translation>
        </message>
        <message>
            <source>clipdesk could not load the model %1.</source>
            <translation>clipdesk 无法加载模型 %1。</translation>
        </message>
        <message>
            <source>Try again, pick another model in the Model menu, or import the weights file again.</source>
            <translation>请重试、在“模型”菜单中选择其他模型，或重新导入权重文件。</translation>
        </message>
        <message>
            <source>Try Again</source>
            <translation>重试</translation>
        </message>
        <message>
            <source>Model: %1</source>
            <translation>模型：%1</translation>
        </message>
        <message>
            <source>Model: %1 (loading)</source>
            <translation>模型：%1（加载中）</translation>
        </message>
        <message>
            <source>Model: %1 (not downloaded)</source>
            <translation>模型：%1（未下载）</translation>
        </message>
        <message>
            <source>Model: %1 (failed)</source>
            <translation>模型：%1（失败）</translation>
        </message>
        <message>
            <source>Model %1 running on %2</source>
            <translation>模型 %1，运行于 %2</translation>
        </message>
        <message>
            <source>Model %1 (not loaded)</source>
            <translation>模型 %1（未加载）</translation>
        </message>
        <message>
            <source>OpenAI CLIP — labels in English</source>
            <translation>OpenAI CLIP — 英文标签</translation>
        </message>
        <message>
            <source>Chinese-CLIP — labels in Chinese (中文)</source>
            <translation>Chinese-CLIP — 中文标签</translation>
        </message>
        <message>
            <source>Other models</source>
            <translation>其他模型</translation>
        </message>
        <message>
            <source>on this computer</source>
            <translation>已在本机</translation>
        </message>
        <message>
            <source>download %1</source>
            <translation>需下载 %1</translation>
        </message>
        <message>
            <source>download</source>
            <translation>需下载</translation>
        </message>
        <message>
            <source>Choose “Automatic” or “CPU” as the device in Preferences.</source>
            <translation>请在“首选项”中把设备改为“自动”或“CPU”。</translation>
        </message>
        <message>
            <source>Open Preferences…</source>
            <translation>打开首选项…</translation>
        </message>
        <message>
            <source>Choose another checkpoint file, or pick a model in the Model menu.</source>
            <translation>请选择另一个检查点文件，或在“模型”菜单中选择一个模型。</translation>
        </message>
        <message>
            <source>Choose Another File…</source>
            <translation>选择其他文件…</translation>
        </message>
    </context>
    <context>
        <name>PhotoDelegate</name>
        <message>
            <source>No preview</source>
            <translation>无预览</translation>
        </message>
        <message>
            <source>Missing photo</source>
            <translation>照片缺失</translation>
        </message>
        <message>
            <source>Can't read photo</source>
            <translation>无法读取照片</translation>
        </message>
    </context>
    <context>
        <name>PhotoErrors</name>
        <message>
            <source>not an image (or a format clipdesk cannot read)</source>
            <translation>不是图片（或是 clipdesk 无法读取的格式）</translation>
        </message>
        <message>
            <source>not an image (empty file)</source>
            <translation>不是图片（空文件）</translation>
        </message>
        <message>
            <source>too large to decode in the available memory</source>
            <translation>图片太大，可用内存不足以解码</translation>
        </message>
        <message>
            <source>truncated or corrupt</source>
            <translation>文件不完整或已损坏</translation>
        </message>
        <message>
            <source>not a regular file</source>
            <translation>不是普通文件</translation>
        </message>
        <message>
            <source>permission denied</source>
            <translation>没有读取权限</translation>
        </message>
        <message>
            <source>is a folder</source>
            <translation>这是一个文件夹</translation>
        </message>
        <message>
            <source>file not found</source>
            <translation>找不到文件</translation>
        </message>
        <message>
            <source>could not be read</source>
            <translation>无法读取</translation>
        </message>
        <message>
            <source>too large</source>
            <translation>图片太大</translation>
        </message>
    </context>
    <context>
        <name>PhotoInput</name>
        <message>
            <source>Looking for photos…</source>
            <translation>正在查找照片…</translation>
        </message>
        <message>
            <source>Not found: %1</source>
            <translation>找不到：%1</translation>
        </message>
        <message>
            <source>Could not keep the pasted image: %1</source>
            <translation>无法保存粘贴的图片：%1</translation>
        </message>
        <message>
            <source>Add Photos</source>
            <translation>添加照片</translation>
        </message>
        <message>
            <source>Photos (%1);;All files (*)</source>
            <translation>照片 (%1);;所有文件 (*)</translation>
        </message>
        <message>
            <source>Add a Folder of Photos</source>
            <translation>添加照片文件夹</translation>
        </message>
        <message numerus="yes">
            <source>Stopped looking for photos; %n photo(s) added</source>
            <translation>
                <numerusform>已停止查找照片；已添加 %n 张照片</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Added %n photo(s)</source>
            <translation>
                <numerusform>已添加 %n 张照片</numerusform>
            </translation>
        </message>
        <message>
            <source>Those photos are already in the list</source>
            <translation>这些照片已在列表中</translation>
        </message>
        <message>
            <source>No photos found there</source>
            <translation>那里没有找到照片</translation>
        </message>
        <message numerus="yes">
            <source>%n file(s) skipped: not photos</source>
            <translation>
                <numerusform>跳过了 %n 个非照片文件</numerusform>
            </translation>
        </message>
        <message>
            <source>Keeping the pasted image…</source>
            <translation>正在保存粘贴的图片…</translation>
        </message>
    </context>
    <context>
        <name>PhotoListModel</name>
        <message>
            <source>%1

This photo is not there any more (moved, renamed or on a disk that is not connected). File → Locate Missing Photos… finds it.</source>
            <translation>%1

这张照片已不在原处（被移动、重命名，或所在磁盘未连接）。文件 → 查找缺失的照片… 可以找回。</translation>
        </message>
        <message>
            <source>%1

Could not label this photo: %2</source>
            <translation>%1

无法标注这张照片：%2</translation>
        </message>
    </context>
    <context>
        <name>PhotoSearch</name>
        <message>
            <source>Looking for near-duplicates…</source>
            <translation>正在查找近似重复照片…</translation>
        </message>
        <message>
            <source>%1 groups of near-duplicates first</source>
            <translation>%1 组近似重复照片在前</translation>
        </message>
        <message>
            <source>%1 photos in %2 groups of near-duplicates (similarity at least %3)</source>
            <translation>%2 组近似重复照片，共 %1 张（相似度不低于 %3）</translation>
        </message>
        <message>
            <source>Searching…</source>
            <translation>正在搜索…</translation>
        </message>
        <message>
            <source>like %1</source>
            <translation>与 %1 相似</translation>
        </message>
        <message>
            <source>best match first: %1</source>
            <translation>最匹配的在前：%1</translation>
        </message>
        <message>
            <source>%1 photos sorted by how well they match %2</source>
            <translation>已按与 %2 的匹配程度排列 %1 张照片</translation>
        </message>
        <message>
            <source>Could not search: %1</source>
            <translation>无法搜索：%1</translation>
        </message>
    </context>
    <context>
        <name>PhotosPane</name>
        <message>
            <source>Photos</source>
            <translation>照片</translation>
        </message>
        <message>
            <source>Search the photos by words…</source>
            <translation>用文字搜索照片…</translation>
        </message>
        <message>
            <source>Type what you look for (in the model's language): the photos are sorted best match first. Clear the field for the usual order.</source>
            <translation>输入要找的内容（使用模型的语言）：照片按匹配程度排列，最匹配的在前。清空输入框即恢复原来的顺序。</translation>
        </message>
        <message>
            <source>Usual Order</source>
            <translation>原来的顺序</translation>
        </message>
        <message>
            <source>Drop photos or folders here</source>
            <translation>把照片或文件夹拖到这里</translation>
        </message>
        <message>
            <source>or press Ctrl+O to choose photos, Ctrl+Shift+O for a whole folder, Ctrl+V to paste</source>
            <translation>或按 Ctrl+O 选择照片，Ctrl+Shift+O 选择整个文件夹，Ctrl+V 粘贴</translation>
        </message>
        <message numerus="yes">
            <source>%n photo(s)</source>
            <translation>
                <numerusform>%n 张照片</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n labelled</source>
            <translation>
                <numerusform>%n 张已标注</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n unreadable</source>
            <translation>
                <numerusform>%n 张无法读取</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>PreferencesDialog</name>
        <message>
            <source>Preferences</source>
            <translation>首选项</translation>
        </message>
        <message>
            <source>Automatic (GPU when there is one)</source>
            <translation>自动（有 GPU 时使用 GPU）</translation>
        </message>
        <message>
            <source>CPU</source>
            <translation>CPU</translation>
        </message>
        <message>
            <source>NVIDIA GPU (CUDA)</source>
            <translation>NVIDIA GPU（CUDA）</translation>
        </message>
        <message>
            <source>Apple GPU (MPS)</source>
            <translation>Apple GPU（MPS）</translation>
        </message>
        <message>
            <source>Fast (uses bf16/fp16 where the hardware supports it)</source>
            <translation>快速（硬件支持时使用 bf16/fp16）</translation>
        </message>
        <message>
            <source>Exact (identical to reference CLIP)</source>
            <translation>精确（与原版 CLIP 结果完全一致）</translation>
        </message>
        <message>
            <source>Photos encoded together; smaller answers Cancel sooner</source>
            <translation>一次一起编码的照片数；越小，取消越快生效</translation>
        </message>
        <message>
            <source>System default</source>
            <translation>跟随系统</translation>
        </message>
        <message>
            <source>Device:</source>
            <translation>设备：</translation>
        </message>
        <message>
            <source>Precision:</source>
            <translation>精度：</translation>
        </message>
        <message>
            <source>Batch size:</source>
            <translation>批大小：</translation>
        </message>
        <message>
            <source>Language:</source>
            <translation>语言：</translation>
        </message>
    </context>
    <context>
        <name>ProjectActions</name>
        <message>
            <source>Open Project</source>
            <translation>打开项目</translation>
        </message>
        <message>
            <source>clipdesk projects (*%1);;All files (*)</source>
            <translation>clipdesk 项目 (*%1);;所有文件 (*)</translation>
        </message>
        <message>
            <source>Save Project</source>
            <translation>保存项目</translation>
        </message>
        <message>
            <source>clipdesk projects (*%1)</source>
            <translation>clipdesk 项目 (*%1)</translation>
        </message>
        <message>
            <source>No recent projects</source>
            <translation>没有最近的项目</translation>
        </message>
        <message>
            <source>Could not open the project</source>
            <translation>无法打开项目</translation>
        </message>
        <message>
            <source>%1 photo(s) are not where they were; they are kept in the list as missing: File → Locate Missing Photos… finds them.</source>
            <translation>%1 张照片不在原处；它们作为“缺失”保留在列表中：文件 → 查找缺失的照片… 可以找回。</translation>
        </message>
        <message>
            <source>Project opened</source>
            <translation>项目已打开</translation>
        </message>
        <message>
            <source>Could not save the project</source>
            <translation>无法保存项目</translation>
        </message>
        <message>
            <source>%1 could not be written (%2); the file as it was is unchanged.</source>
            <translation>无法写入 %1（%2）；原文件保持不变。</translation>
        </message>
        <message>
            <source>Saved the project %1</source>
            <translation>已保存项目 %1</translation>
        </message>
    </context>
    <context>
        <name>RankControl</name>
        <message>
            <source>Labelling photos…</source>
            <translation>正在标注照片…</translation>
        </message>
        <message>
            <source>Add at least one label first</source>
            <translation>请先添加至少一个标签</translation>
        </message>
        <message>
            <source>Add photos first: drop them on the window or press Ctrl+O</source>
            <translation>请先添加照片：拖到窗口中，或按 Ctrl+O</translation>
        </message>
        <message>
            <source>The model is not ready yet</source>
            <translation>模型尚未就绪</translation>
        </message>
        <message numerus="yes">
            <source>Cancelled. %n photo(s) labelled so far.</source>
            <translation>
                <numerusform>已取消。目前已标注 %n 张照片。</numerusform>
            </translation>
        </message>
        <message>
            <source>Labelling photos… %1 of %2</source>
            <translation>正在标注照片… %1 / %2</translation>
        </message>
        <message>
            <source>Preparing labels… %1 of %2</source>
            <translation>正在准备标签… 第 %1 个，共 %2 个</translation>
        </message>
        <message numerus="yes">
            <source>%1 labels is far more than anyone reads (over %2): preparing them takes about %n minute(s) more on this computer. Cancel stops.</source>
            <translation>
                <numerusform>%1 个标签远远超出任何人能读的数量（超过 %2 个）：在这台电脑上准备它们还需要大约 %n 分钟。点“取消”可停止。</numerusform>
            </translation>
        </message>
        <message>
            <source>Could not label the photos: %1</source>
            <translation>无法标注照片：%1</translation>
        </message>
        <message>
            <source>Ready</source>
            <translation>就绪</translation>
        </message>
        <message numerus="yes">
            <source>Labelled %n photo(s).</source>
            <translation>
                <numerusform>已标注 %n 张照片。</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n could not be read: hover the red badge to see why.</source>
            <translation>
                <numerusform>%n 张无法读取：将鼠标悬停在红色标记上可查看原因。</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>ResultsModel</name>
        <message>
            <source> — kept: written as a keyword, sorted into its folder</source>
            <translation> — 保留：写为关键词，并分类到其文件夹</translation>
        </message>
        <message>
            <source>Label</source>
            <translation>标签</translation>
        </message>
        <message>
            <source>Probability</source>
            <translation>概率</translation>
        </message>
    </context>
    <context>
        <name>ResultsPane</name>
        <message>
            <source>Results</source>
            <translation>结果</translation>
        </message>
        <message>
            <source>&amp;Show top:</source>
            <translation>显示前(&amp;S)：</translation>
        </message>
        <message>
            <source>all labels</source>
            <translation>全部标签</translation>
        </message>
        <message>
            <source> labels</source>
            <translation> 个标签</translation>
        </message>
    </context>
    <context>
        <name>ResultsPresenter</name>
        <message>
            <source>Select a photo to see how well each label fits it.</source>
            <translation>选择一张照片，查看每个标签与它的匹配程度。</translation>
        </message>
        <message>
            <source>Drop photos on the window to begin.</source>
            <translation>把照片拖到窗口中即可开始。</translation>
        </message>
        <message>
            <source>No preview</source>
            <translation>无预览</translation>
        </message>
        <message>
            <source>Type some labels on the left — e.g. receipt, cat, red envelope — and each photo gets ranked against them.</source>
            <translation>在左侧输入一些标签（例如：收据、猫、红包），每张照片都会按这些标签排序。</translation>
        </message>
        <message>
            <source>This photo could not be read:
%1</source>
            <translation>无法读取这张照片：
%1</translation>
        </message>
        <message>
            <source>Labelling…</source>
            <translation>正在标注…</translation>
        </message>
        <message>
            <source>Not labelled yet: press Ctrl+Return to label all photos.</source>
            <translation>尚未标注：按 Ctrl+Return 为所有照片打标签。</translation>
        </message>
        <message>
            <source>The model is not on this computer yet: use Model → Download or Import Weights…</source>
            <translation>这台电脑上还没有该模型：请使用“模型 → 下载或导入权重…”</translation>
        </message>
        <message>
            <source>No model is loaded: pick one in the Model menu.</source>
            <translation>尚未加载模型：请在“模型”菜单中选择一个。</translation>
        </message>
        <message>
            <source>Waiting for the model…</source>
            <translation>正在等待模型…</translation>
        </message>
    </context>
    <context>
        <name>SortDialog</name>
        <message>
            <source>Sort into Folders</source>
            <translation>分类到文件夹</translation>
        </message>
        <message>
            <source>&amp;Choose…</source>
            <translation>选择(&amp;C)…</translation>
        </message>
        <message>
            <source>&amp;Copy the photos (the originals stay where they are)</source>
            <translation>复制照片（原照片保留在原处）(&amp;C)</translation>
        </message>
        <message>
            <source>&amp;Move the photos</source>
            <translation>移动照片(&amp;M)</translation>
        </message>
        <message>
            <source>Photo</source>
            <translation>照片</translation>
        </message>
        <message>
            <source>Folders</source>
            <translation>文件夹</translation>
        </message>
        <message>
            <source>&amp;Sort</source>
            <translation>分类(&amp;S)</translation>
        </message>
        <message>
            <source>Nothing is overwritten: a name already taken becomes “IMG_0001 (2).jpg”. Sidecars go with their photo. Edit → Undo takes the sort back.</source>
            <translation>不会覆盖任何文件：已被占用的文件名会变为“IMG_0001 (2).jpg”。附属 XMP 文件随照片一起。编辑 → 撤销 可撤回此次分类。</translation>
        </message>
        <message>
            <source>Into the folder:</source>
            <translation>目标文件夹：</translation>
        </message>
        <message>
            <source>%1 photos; %2 keep no label and go to “%3”.</source>
            <translation>%1 张照片；其中 %2 张没有保留标签，将放入“%3”。</translation>
        </message>
    </context>
    <context>
        <name>TemplatesField</name>
        <message>
            <source>Line %1: put {} where the label goes, e.g. “a photo of a {}.”</source>
            <translation>第 %1 行：在标签的位置写 {}，例如“a photo of a {}.”</translation>
        </message>
        <message>
            <source>The sentence each label is put into; {} stands for the label. Several lines are averaged into one prompt per label.</source>
            <translation>每个标签被放进的句子；{} 代表标签。多行模板会平均成每个标签的一个提示。</translation>
        </message>
    </context>
    <context>
        <name>WriteKeywordsDialog</name>
        <message>
            <source>Write Keywords</source>
            <translation>写入关键词</translation>
        </message>
        <message>
            <source>Into the photos (JPEG, PNG, TIFF, WebP; other formats and read-only photos get a sidecar)</source>
            <translation>写入照片本身（JPEG、PNG、TIFF、WebP；其他格式和只读照片写入附属 XMP 文件）</translation>
        </message>
        <message>
            <source>Into XMP sidecars beside the photos (photo.jpg.xmp)</source>
            <translation>写入照片旁的附属 XMP 文件（photo.jpg.xmp）</translation>
        </message>
        <message>
            <source>Hierarchical keywords are written as PARENT|label (lr:hierarchicalSubject); leave empty for none</source>
            <translation>层级关键词写为 上级|标签（lr:hierarchicalSubject）；留空则不加上级</translation>
        </message>
        <message>
            <source>Keep each photo's modification time</source>
            <translation>保留每张照片的修改时间</translation>
        </message>
        <message>
            <source>Photo</source>
            <translation>照片</translation>
        </message>
        <message>
            <source>Keywords</source>
            <translation>关键词</translation>
        </message>
        <message>
            <source>Written to</source>
            <translation>写入位置</translation>
        </message>
        <message>
            <source>Hierarchy parent:</source>
            <translation>层级上级：</translation>
        </message>
        <message>
            <source>&amp;Write Keywords</source>
            <translation>写入关键词(&amp;W)</translation>
        </message>
        <message>
            <source>Keywords already in the photos are kept; keywords clipdesk wrote before are replaced. Every change is logged: Edit → Undo takes it back.</source>
            <translation>照片中已有的关键词会保留；clipdesk 之前写入的关键词会被替换。每项更改都有记录：编辑 → 撤销 可撤回。</translation>
        </message>
        <message>
            <source>the photo</source>
            <translation>照片本身</translation>
        </message>
        <message>
            <source>sidecar %1</source>
            <translation>附属文件 %1</translation>
        </message>
        <message>
            <source>(none: clipdesk's earlier keywords are removed)</source>
            <translation>（无：删除 clipdesk 之前写入的关键词）</translation>
        </message>
        <message>
            <source>%1 of %2 photos get keywords.</source>
            <translation>%2 张照片中有 %1 张将得到关键词。</translation>
        </message>
    </context>
</TS>
